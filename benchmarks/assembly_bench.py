"""Time paper assembly and printing: 100 parallel forms of a 75-item paper from a
generated 10,000-item bank, then each of them rendered to PDF.

    .venv/bin/python benchmarks/assembly_bench.py [--items 10000] [--forms 100] [--seed 1]

Prints the time for 1 and 2 forms (solved as one programme) and for ``--forms``
forms (solved form by form), per form and in total, and checks every form; then
the time to render every form as an A4 paper PDF (and its size and pages).
"""
from __future__ import annotations

import argparse
import itertools
import random
import time

from question_bank.assembly import assemble
from question_bank.model import Item, Option
from question_bank.paper import Blueprint, ContentConstraint, DifficultyTarget, SectionSpec
from question_bank.pdf import render_paper
from question_bank.taxonomy import TEN_CATEGORIES

SUBJECTS = next(c for c in TEN_CATEGORIES if c.code == "JSJ").subjects
#: share of each type in the bank, enough for 100 disjoint forms of the paper below
MIX = {"truefalse": 0.34, "single": 0.51, "multiple": 0.15}
SECTIONS = (SectionSpec("truefalse", 25, 2), SectionSpec("single", 40, 2), SectionSpec("multiple", 10, 2))


def generate_bank(n: int, seed: int) -> list[Item]:
    """``n`` published 计算机类 items of three types, nine subjects, two knowledge points each."""
    rng = random.Random(seed)
    types = rng.choices(list(MIX), weights=list(MIX.values()), k=n)
    options = tuple(Option(i, f"选项{i}") for i in "ABCD")
    bank = []
    for k, item_type in enumerate(types):
        subject = SUBJECTS[k % len(SUBJECTS)]
        answer = {"truefalse": True, "single": "B", "multiple": ("A", "C")}[item_type]
        bank.append(Item(item_type, f"<p>题 {k}</p>", () if item_type == "truefalse" else options, answer,
                         difficulty=round(min(0.95, max(0.15, rng.gauss(0.6, 0.15))), 3), category="JSJ",
                         subject=subject, knowledge_points=(f"{subject} 要点{k % 2 + 1}",),
                         status="published", uid=f"GEN-{k:05d}"))
    return bank


def blueprint() -> Blueprint:
    """75 items, 150 points; at least 6 items from each subject; mean facility 0.60 ± 0.05."""
    constraints = tuple(ContentConstraint(s, minimum=6) for s in SUBJECTS)
    constraints += (ContentConstraint("Excel", type="single", exact=5),
                    ContentConstraint("C 语言", knowledge_point="C 语言 要点1", minimum=2))
    return Blueprint("基准卷", "JSJ", SECTIONS, 60, constraints, DifficultyTarget(mean=0.6, tolerance=0.05))


def timed(bank, bp, seed, forms):
    started = time.perf_counter()
    papers = assemble(bank, bp, random.Random(f"assemble:{seed}"), forms=forms, time_limit=120)
    seconds = time.perf_counter() - started
    for a, b in itertools.combinations(papers, 2):
        assert not {i.uid for i in a.items} & {i.uid for i in b.items}
        assert abs(a.mean_difficulty - b.mean_difficulty) <= 0.05 + 1e-9
    means = [p.mean_difficulty for p in papers]
    print(f"{forms:4d} form(s): {seconds:7.2f} s total, {seconds / forms:6.3f} s per form; "
          f"mean facility {min(means):.3f}–{max(means):.3f}; solver {papers[0].extra['solver']}")
    return papers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--forms", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    bank = generate_bank(args.items, args.seed)
    print(f"bank: {len(bank)} items generated in {time.perf_counter() - started:.2f} s; "
          f"paper: {sum(s.count for s in SECTIONS)} items")
    bp = blueprint()
    for forms in (1, 2):
        timed(bank, bp, args.seed, forms)
    papers = timed(bank, bp, args.seed, args.forms)
    render_all(papers)


def render_all(papers) -> None:
    """Render every paper as an A4 PDF and print the time per paper."""
    started = time.perf_counter()
    sizes = [len(render_paper(paper)) for paper in papers]
    seconds = time.perf_counter() - started
    print(f"{len(papers):4d} PDF(s):  {seconds:7.2f} s total, {seconds / len(papers):6.3f} s per paper; "
          f"{min(sizes) // 1024}–{max(sizes) // 1024} KB each")


if __name__ == "__main__":
    main()
