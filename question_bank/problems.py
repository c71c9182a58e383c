"""Problems found in user input, each tied to the place it was found.

Messages are Chinese ``%(name)s`` templates marked with :func:`N_` so the web
layer can translate them; ``str(problem)`` gives the Chinese text.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping


def N_(template: str) -> str:
    """Mark a message template for extraction into the translation catalogue."""
    return template


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, and where: ``file:line``, a form field or an item id."""

    where: str
    template: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return self.template % dict(self.params) if self.params else self.template

    def located(self, prefix: str) -> "Problem":
        """The same problem with ``prefix`` put in front of its place."""
        where = f"{prefix}{self.where}" if self.where else prefix.rstrip(": ")
        return Problem(where, self.template, self.params)

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class ProblemsError(ValueError):
    """Raised when input has problems; carries every one of them, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
