"""Near-duplicate detection for stems (and options) written by different teachers."""
from __future__ import annotations

import re
import unicodedata
from typing import Iterable, TypeVar

from .richtext import html_to_text

K = TypeVar("K")
NEAR_DUPLICATE = 0.85
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


def normalize(text: str) -> str:
    """Fold width and case and drop whitespace and punctuation, so trivial edits compare equal."""
    text = unicodedata.normalize("NFKC", html_to_text(text)).lower()
    return _NOISE.sub("", text)


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)} or {text}


def _dice(norm_a: str, grams_a: set[str], norm_b: str) -> float:
    if norm_a == norm_b:
        return 1.0
    grams_b = _bigrams(norm_b)
    return 2 * len(grams_a & grams_b) / (len(grams_a) + len(grams_b))


def similarity(a: str, b: str) -> float:
    """Dice coefficient of character bigrams of the normalised texts, in [0, 1]."""
    na, nb = normalize(a), normalize(b)
    if not na or not nb:
        return 0.0
    return _dice(na, _bigrams(na), nb)


def near_duplicates(text: str, candidates: Iterable[tuple[K, str]],
                    threshold: float = NEAR_DUPLICATE) -> list[tuple[K, float]]:
    """The candidates whose text is at least ``threshold`` similar to ``text``, most similar first."""
    target = normalize(text)
    if not target:
        return []
    grams = _bigrams(target)
    found = []
    for key, other in candidates:
        norm = normalize(other)
        score = _dice(target, grams, norm) if norm else 0.0
        if score >= threshold:
            found.append((key, score))
    found.sort(key=lambda pair: -pair[1])
    return found
