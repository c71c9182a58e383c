"""Assembling papers from a bank to a blueprint (组卷), one form or K parallel forms.

The choice is an integer programme solved by HiGHS through ``scipy.optimize.milp``:
a binary ``x[item, section, form]`` per candidate, rows for the section counts,
the content constraints, the difficulty target, pinned items and the overlap
between forms, and a random objective drawn from the caller's ``rng`` so that
each seed gives a different feasible paper. A random draw would be simpler, but
it fails on tight blueprints (content quotas, two disjoint forms from a small
bank, forms whose means must agree) although a paper exists; the programme
either finds one or proves there is none.

Small problems (up to :data:`JOINT_LIMIT` columns) are solved for all forms at
once, which is exact. Larger ones (K forms from a 10,000-item bank) are solved
form by form, each form excluding what the earlier forms used and keeping its
mean within ±0.025 of a common centre, so that any two forms are within 0.05.
Every solve has a time limit (:data:`TIME_LIMIT` seconds by default): a paper
found by then is used (and marked ``paper.extra["solver"] == "time_limit"``);
with none found, :class:`ProblemsError` says so. Nothing partial is returned.

Before solving, each constraint is checked alone against the bank, so a shortage
is reported by name and size ("计算机类 / Excel / 单选 需要 6 题，题库仅有 4 题可用").
"""
from __future__ import annotations

import random
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array

from .model import Item
from .paper import (LEVEL_LABELS, TYPE_LABELS, Blueprint, ContentConstraint, Paper, PaperSection,
                    constraint_label, describe_blueprint, form_letter)
from .problems import N_, Problem, ProblemsError

#: most columns (candidates × forms) solved as one programme; beyond it, form by form
JOINT_LIMIT = 10_000
#: seconds allowed to each solve
TIME_LIMIT = 30.0
#: largest difference between the mean facility of any two parallel forms
FORMS_SPREAD = 0.05
#: the solver stops at this relative gap: any feasible paper will do, the objective only randomises
MIP_GAP = 0.5


@dataclass(frozen=True)
class Pool:
    """The candidates: eligible items and every (item, section) pair they can fill."""

    items: tuple[Item, ...]
    pair_item: np.ndarray     # item index of each pair
    pair_section: np.ndarray  # section index of each pair
    facility: np.ndarray      # expected facility of each pair's item

    @property
    def size(self) -> int:
        return len(self.pair_item)


def eligible(bank: Sequence[Item], blueprint: Blueprint) -> list[Item]:
    """The items a blueprint may draw, sorted by uid.

    Those of its category, published and not excluded; of several versions of a uid, the latest.
    """
    latest: dict[str, Item] = {}
    for item in bank:
        if item.category != blueprint.category or item.status != "published":
            continue
        if item.uid in blueprint.excluded:
            continue
        if item.uid not in latest or latest[item.uid].version < item.version:
            latest[item.uid] = item
    return [latest[uid] for uid in sorted(latest)]


def make_pool(items: Sequence[Item], blueprint: Blueprint) -> Pool:
    """Pair each item with every section of its type."""
    pairs = [(i, s) for i, item in enumerate(items)
             for s, spec in enumerate(blueprint.sections) if spec.type == item.type]
    pair_item = np.array([p[0] for p in pairs], dtype=np.int64)
    pair_section = np.array([p[1] for p in pairs], dtype=np.int64)
    facility = np.array([items[i].difficulty for i, _ in pairs], dtype=float)
    return Pool(tuple(items), pair_item, pair_section, facility)


def assemble(bank: Sequence[Item], blueprint: Blueprint, rng: random.Random, forms: int = 1,
             max_shared: int = 0, category_name: str | None = None,
             time_limit: float = TIME_LIMIT) -> list[Paper]:
    """Assemble ``forms`` parallel papers (A, B, …) from ``bank`` to ``blueprint``.

    Only published items of the blueprint's category that are not excluded are
    drawn; pinned items appear in every form (and do not count as shared). Any two
    forms share at most ``max_shared`` other items and their mean facilities are
    within 0.05. The same ``rng`` state and bank give the same papers; items are
    shuffled within each section.

    :raise ProblemsError: a constraint the bank cannot meet, with the shortage
        named in Chinese; or a combination that has no solution; or no paper
        found within ``time_limit`` seconds. Never a partial paper.
    """
    if forms < 1 or max_shared < 0:
        raise ValueError("forms must be at least 1 and max_shared at least 0")
    items = eligible(bank, blueprint)
    category_name = category_name or blueprint.category
    problems = check(bank, items, blueprint, forms, max_shared, category_name)
    if problems:
        raise ProblemsError(problems)
    pool = make_pool(items, blueprint)
    started = time.perf_counter()
    if pool.size * forms <= JOINT_LIMIT and (max_shared == 0 or len(items) * forms * forms <= JOINT_LIMIT):
        chosen, status = _solve_joint(pool, blueprint, rng, forms, max_shared, time_limit,
                                       category_name)
    else:
        chosen, status = _solve_in_turn(pool, blueprint, rng, forms, max_shared, time_limit, category_name)
    seconds = time.perf_counter() - started
    return [_paper(pool, blueprint, picks, form_letter(f), rng, {"solver": status, "seconds": seconds})
            for f, picks in enumerate(chosen)]


# ---------------------------------------------------------------- each constraint alone

def _distinct(need: int, pinned: int, forms: int, max_shared: int) -> int:
    """Fewest distinct items that ``forms`` forms of ``need`` items each can be made from."""
    fixed = min(pinned, need)
    return fixed + sum(max(0, need - fixed - f * max_shared) for f in range(forms))


def _shortage(where: str, what: str, need: int, have: int, forms: int) -> Problem:
    if forms == 1:
        return Problem(where, N_("%(what)s 需要 %(need)d 题，题库仅有 %(have)d 题可用"),
                       {"what": what, "need": need, "have": have})
    return Problem(where, N_("%(what)s 需要 %(need)d 题（%(forms)d 套试卷），题库仅有 %(have)d 题可用"),
                   {"what": what, "need": need, "have": have, "forms": forms})


def check(bank: Sequence[Item], items: Sequence[Item], blueprint: Blueprint, forms: int = 1,
          max_shared: int = 0, category_name: str = "") -> list[Problem]:
    """Each condition of ``blueprint`` that the eligible ``items`` cannot meet even on its own."""
    category_name = category_name or blueprint.category
    problems = _check_pinned(bank, items, blueprint)
    problems += _check_sections(items, blueprint, forms, max_shared, category_name)
    problems += _check_constraints(items, blueprint, forms, max_shared, category_name)
    return problems + _check_difficulty(items, blueprint, forms, max_shared)


def _check_pinned(bank, items, blueprint) -> list[Problem]:
    known = {item.uid: item for item in bank}
    usable = {item.uid for item in items}
    types = {s.type for s in blueprint.sections}
    problems = []
    for k, uid in enumerate(blueprint.pinned):
        if uid not in known:
            problems.append(Problem(f"pinned[{k}]", N_("题库中没有必选试题 %(uid)s"), {"uid": uid}))
        elif uid not in usable:
            problems.append(Problem(f"pinned[{k}]", N_("必选试题 %(uid)s 不可用（类别不符、未发布或已排除）"),
                                    {"uid": uid}))
        elif known[uid].type not in types:
            problems.append(Problem(f"pinned[{k}]", N_("必选试题 %(uid)s 是%(type)s题，试卷中没有这一题型"),
                                    {"uid": uid, "type": TYPE_LABELS.get(known[uid].type, known[uid].type)}))
    return problems


def _check_sections(items, blueprint, forms, max_shared, category_name) -> list[Problem]:
    pinned = set(blueprint.pinned)
    problems = []
    for item_type in dict.fromkeys(s.type for s in blueprint.sections):
        where = f"sections[{[s.type for s in blueprint.sections].index(item_type)}]"
        what = f"{category_name} / {TYPE_LABELS.get(item_type, item_type)}"
        need = sum(s.count for s in blueprint.sections if s.type == item_type)
        of_type = [item for item in items if item.type == item_type]
        fixed = sum(1 for item in of_type if item.uid in pinned)
        if fixed > need:
            problems.append(Problem(where, N_("%(what)s 必选 %(pinned)d 题，超过试卷中的 %(need)d 题"),
                                    {"what": what, "pinned": fixed, "need": need}))
        elif len(of_type) < _distinct(need, fixed, forms, max_shared):
            need = _distinct(need, fixed, forms, max_shared)
            problems.append(_shortage(where, what, need, len(of_type), forms))
    return problems


def _check_constraints(items, blueprint, forms, max_shared, category_name) -> list[Problem]:
    types = {s.type for s in blueprint.sections}
    pinned = set(blueprint.pinned)
    problems = []
    for k, c in enumerate(blueprint.constraints):
        where, what = f"constraints[{k}]", constraint_label(c, category_name)
        if c.minimum is not None and c.maximum is not None and c.minimum > c.maximum:
            problems.append(Problem(where, N_("%(what)s 至少 %(minimum)d 题却至多 %(maximum)d 题"),
                                    {"what": what, "minimum": c.minimum, "maximum": c.maximum}))
            continue
        need = c.exact if c.exact is not None else (c.minimum or 0)
        slots = sum(s.count for s in blueprint.sections if c.type is None or s.type == c.type)
        matching = [item for item in items if item.type in types and _matches(c, item)]
        fixed = sum(1 for item in matching if item.uid in pinned)
        if need > slots:
            problems.append(Problem(where, N_("%(what)s 需要 %(need)d 题，但试卷中只有 %(slots)d 个位置"),
                                    {"what": what, "need": need, "slots": slots}))
        elif len(matching) < _distinct(need, fixed, forms, max_shared):
            need = _distinct(need, fixed, forms, max_shared)
            problems.append(_shortage(where, what, need, len(matching), forms))
    return problems


def _check_difficulty(items, blueprint, forms, max_shared) -> list[Problem]:
    target = blueprint.difficulty
    if target is None:
        return []
    total = sum(s.count for s in blueprint.sections)
    types = {s.type for s in blueprint.sections}
    problems = []
    if target.counts:
        if sum(target.counts.values()) != total:
            problems.append(Problem("difficulty.counts", N_("各难度题数合计 %(sum)d 题，与试卷的 %(total)d 题不符"),
                                    {"sum": sum(target.counts.values()), "total": total}))
        for level, n in target.counts.items():
            have = sum(1 for item in items if item.type in types and item.level == level)
            need = _distinct(n, 0, forms, max_shared)
            if have < need:
                problems.append(_shortage(f"difficulty.counts[{level}]", LEVEL_LABELS.get(level, level) + "题",
                                          need, have, forms))
    if target.mean is not None:
        problems += _check_mean(items, blueprint, target, total)
    return problems


def _check_mean(items, blueprint, target, total) -> list[Problem]:
    low = high = 0.0
    for item_type in {s.type for s in blueprint.sections}:
        need = sum(s.count for s in blueprint.sections if s.type == item_type)
        facilities = sorted(item.difficulty for item in items if item.type == item_type)
        if len(facilities) < need:
            return []  # already reported as a shortage
        low += sum(facilities[:need])
        high += sum(facilities[len(facilities) - need:])
    lo, hi = target.mean - target.tolerance, target.mean + target.tolerance
    if total and (high / total < lo - 1e-9 or low / total > hi + 1e-9):
        return [Problem("difficulty", N_("难度系数均值须在 %(lo).2f 至 %(hi).2f 之间，题库只能组出 %(min).2f 至 %(max).2f"),
                        {"lo": lo, "hi": hi, "min": low / total, "max": high / total})]
    return []


# ---------------------------------------------------------------- the programme

class _Model:
    """Columns and sparse rows of a mixed-integer programme, built up piece by piece."""

    def __init__(self):
        self.cost: list[float] = []
        self.upper: list[float] = []
        self.integral: list[int] = []
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.vals: list[float] = []
        self.row_lo: list[float] = []
        self.row_hi: list[float] = []

    def add_columns(self, costs: Sequence[float], integral: int = 1) -> np.ndarray:
        start = len(self.cost)
        self.cost.extend(costs)
        self.upper.extend([1.0] * len(costs))
        self.integral.extend([integral] * len(costs))
        return np.arange(start, start + len(costs))

    def add_row(self, cols: Sequence[int], vals: Sequence[float] | float, lo: float, hi: float) -> None:
        row = len(self.row_lo)
        cols = list(cols)
        self.rows.extend([row] * len(cols))
        self.cols.extend(cols)
        self.vals.extend([float(vals)] * len(cols) if np.isscalar(vals) else list(vals))
        self.row_lo.append(lo)
        self.row_hi.append(hi)

    def solve(self, time_limit: float):
        shape = (len(self.row_lo), len(self.cost))
        matrix = csr_array((self.vals, (self.rows, self.cols)), shape=shape)
        return milp(np.array(self.cost), integrality=np.array(self.integral),
                    bounds=Bounds(np.zeros(len(self.cost)), np.array(self.upper)),
                    constraints=LinearConstraint(matrix, self.row_lo, self.row_hi),
                    options={"time_limit": max(time_limit, 0.5), "disp": False, "presolve": False,
                             "mip_rel_gap": MIP_GAP})


def _level_pairs(pool: Pool) -> dict[str, np.ndarray]:
    levels = np.array([pool.items[i].level for i in pool.pair_item])
    return {level: np.flatnonzero(levels == level) for level in ("easy", "medium", "hard")}


def _matches(c: ContentConstraint, item: Item) -> bool:
    return ((not c.subject or item.subject == c.subject)
            and (c.knowledge_point is None or c.knowledge_point in item.knowledge_points)
            and (c.type is None or item.type == c.type)
            and (c.level is None or item.level == c.level))


def _bounds(c: ContentConstraint) -> tuple[float, float]:
    if c.exact is not None:
        return c.exact, c.exact
    return (c.minimum or 0), (np.inf if c.maximum is None else c.maximum)


def _item_columns(pool: Pool, cols: np.ndarray) -> dict[int, list[int]]:
    by_item: dict[int, list[int]] = defaultdict(list)
    for p, i in enumerate(pool.pair_item):
        by_item[int(i)].append(int(cols[p]))
    return by_item


def _add_form(model: _Model, pool: Pool, blueprint: Blueprint, rng: random.Random,
              band: tuple[float, float] | None) -> np.ndarray:
    """The columns and rows of one form; returns its column of each pair."""
    cols = model.add_columns([rng.random() for _ in range(pool.size)])
    for s, spec in enumerate(blueprint.sections):
        model.add_row(cols[pool.pair_section == s], 1.0, spec.count, spec.count)
    item_ok = [[_matches(c, item) for item in pool.items] for c in blueprint.constraints]
    for c, ok in zip(blueprint.constraints, item_ok):
        model.add_row([cols[p] for p, i in enumerate(pool.pair_item) if ok[i]], 1.0, *_bounds(c))
    target = blueprint.difficulty
    if target is not None and target.counts:
        for level, pairs in _level_pairs(pool).items():
            n = target.counts.get(level, 0)
            model.add_row(cols[pairs], 1.0, n, n)
    if band is not None:
        total = sum(s.count for s in blueprint.sections)
        model.add_row(cols, pool.facility, band[0] * total - 1e-9, band[1] * total + 1e-9)
    pinned = set(blueprint.pinned)
    for i, item_cols in _item_columns(pool, cols).items():
        must = pool.items[i].uid in pinned
        if must or len(item_cols) > 1:
            model.add_row(item_cols, 1.0, 1 if must else 0, 1)
    return cols


def _target_band(blueprint: Blueprint) -> tuple[float, float] | None:
    target = blueprint.difficulty
    if target is None or target.mean is None:
        return None
    return target.mean - target.tolerance, target.mean + target.tolerance


def _add_spread(model: _Model, pool: Pool, blueprint: Blueprint, form_cols: list[np.ndarray]) -> None:
    """Keep every form's mean facility between two free bounds at most FORMS_SPREAD apart."""
    total = sum(s.count for s in blueprint.sections)
    low, high = model.add_columns([0.0, 0.0], integral=0)
    for cols in form_cols:
        model.add_row(list(cols) + [low], list(pool.facility) + [-total], 0, np.inf)
        model.add_row(list(cols) + [high], list(pool.facility) + [-total], -np.inf, 0)
    model.add_row([high, low], [1.0, -1.0], -np.inf, FORMS_SPREAD - 1e-6)


def _add_overlap(model: _Model, pool: Pool, blueprint: Blueprint, form_cols: list[np.ndarray],
                 max_shared: int) -> None:
    """At most ``max_shared`` non-pinned items common to any two forms."""
    pinned = set(blueprint.pinned)
    per_form = [_item_columns(pool, cols) for cols in form_cols]
    free = [i for i in per_form[0] if pool.items[i].uid not in pinned]
    if max_shared == 0:
        for i in free:
            model.add_row([c for by_item in per_form for c in by_item[i]], 1.0, 0, 1)
        return
    for f in range(len(form_cols)):
        for g in range(f + 1, len(form_cols)):
            shared = model.add_columns([0.0] * len(free), integral=0)
            for z, i in zip(shared, free):
                cols = per_form[f][i] + per_form[g][i]
                model.add_row(cols + [int(z)], [1.0] * len(cols) + [-1.0], -np.inf, 1)
            model.add_row(shared, 1.0, 0, max_shared)


def _solve_joint(pool, blueprint, rng, forms, max_shared, time_limit, category_name):
    """All forms in one programme: exact."""
    model = _Model()
    band = _target_band(blueprint)
    form_cols = [_add_form(model, pool, blueprint, rng, band) for _ in range(forms)]
    if forms > 1:
        _add_overlap(model, pool, blueprint, form_cols, max_shared)
        if band is None or band[1] - band[0] > FORMS_SPREAD:
            _add_spread(model, pool, blueprint, form_cols)
    result = model.solve(time_limit)
    _raise_unless_solved(result, blueprint, forms, max_shared, time_limit, category_name, None)
    status = "optimal" if result.status == 0 else "time_limit"
    return [_picked(pool, result.x, cols) for cols in form_cols], status


def _common_band(pool: Pool, blueprint: Blueprint, forms: int) -> tuple[float, float] | None:
    """The band every form keeps to when solved in turn: the target, narrowed to FORMS_SPREAD."""
    band = _target_band(blueprint)
    if forms == 1 or (band is not None and band[1] - band[0] <= FORMS_SPREAD):
        return band
    centre = float(pool.facility.mean())  # the bank's own level is the easiest to repeat
    if band is not None:
        centre = min(max(centre, band[0] + FORMS_SPREAD / 2), band[1] - FORMS_SPREAD / 2)
    return centre - FORMS_SPREAD / 2, centre + FORMS_SPREAD / 2


def _solve_in_turn(pool, blueprint, rng, forms, max_shared, time_limit, category_name):
    """One programme per form, each excluding (or limiting) the items the earlier forms used."""
    band = _common_band(pool, blueprint, forms)
    pinned = {i for i, item in enumerate(pool.items) if item.uid in set(blueprint.pinned)}
    chosen: list[list[int]] = []
    status = "optimal"
    deadline = time.perf_counter() + time_limit
    for f in range(forms):
        model = _Model()
        cols = _add_form(model, pool, blueprint, rng, band)
        for earlier in chosen:
            used = np.isin(pool.pair_item, [i for i in pool.pair_item[earlier] if i not in pinned])
            if max_shared == 0:
                for col in cols[used]:
                    model.upper[col] = 0.0
            else:
                model.add_row(cols[used], 1.0, 0, max_shared)
        result = model.solve(deadline - time.perf_counter())
        _raise_unless_solved(result, blueprint, forms, max_shared, time_limit, category_name, form_letter(f))
        status = status if result.status == 0 else "time_limit"
        chosen.append(_picked(pool, result.x, cols))
    return chosen, status


def _picked(pool: Pool, x: np.ndarray, cols: np.ndarray) -> list[int]:
    return [int(p) for p in np.flatnonzero(x[cols] > 0.5)]


def _raise_unless_solved(result, blueprint, forms, max_shared, time_limit, category_name, form):
    if result.x is not None:
        return
    if result.status == 1:
        raise ProblemsError([Problem("", N_("组卷在 %(seconds)g 秒内没有找到满足全部条件的试卷，请放宽条件或稍后重试"),
                                     {"seconds": time_limit})])
    if form is None:
        head = Problem("", N_("各项条件单独都能满足，但合在一起无解（%(forms)d 套试卷，任两套至多共用 %(shared)d 题）；"
                              "请放宽以下条件之一"), {"forms": forms, "shared": max_shared})
    else:
        head = Problem("", N_("逐套组卷时第 %(form)s 卷无解（%(forms)d 套试卷，任两套至多共用 %(shared)d 题，"
                              "各卷难度均值相差不超过 0.05）；请放宽以下条件之一或减少套数"),
                       {"form": form, "forms": forms, "shared": max_shared})
    raise ProblemsError([head] + describe_blueprint(blueprint, category_name))


def _paper(pool: Pool, blueprint: Blueprint, picks: list[int], form: str, rng: random.Random,
           extra: dict) -> Paper:
    sections = []
    for s, spec in enumerate(blueprint.sections):
        items = sorted((pool.items[pool.pair_item[p]] for p in picks if pool.pair_section[p] == s),
                       key=lambda item: item.uid)
        rng.shuffle(items)
        sections.append(PaperSection(spec.type, spec.points_each, spec.rule, spec.instruction, tuple(items)))
    return Paper(blueprint.title, blueprint.category, blueprint.minutes, tuple(sections), form=form,
                 extra=dict(extra))
