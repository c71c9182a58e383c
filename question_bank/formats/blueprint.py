"""The blueprint format (组卷方案): a versioned JSON document, or the same document in YAML.

::

    {"format": "hbjn-exam-blueprint", "version": 1,
     "title": "…模拟试卷", "category": "HL", "minutes": 50,
     "sections": [{"type": "single", "count": 50, "points_each": 3,
                   "rule": "all_or_nothing", "instruction": ""}],
     "constraints": [{"subject": "基础护理", "knowledge_point": null, "type": null, "level": null,
                      "exact": null, "minimum": 10, "maximum": null}],
     "difficulty": {"mean": 0.6, "tolerance": 0.05} | {"counts": {"easy": 15, …}} | null,
     "exclude": {"used_in_last_papers": null, "used_more_than": null, "uids": []},
     "pinned": ["uid", …]}

:func:`blueprint_from_dict` checks every field and reports every problem with
its JSON path ("sections[0].count"). The usage rules of ``exclude`` depend on
stored papers, so the caller resolves them into ``Blueprint.excluded``.
"""
from __future__ import annotations

import json
import math
import os
from typing import Any

import yaml

from ..model import DIFFICULTY_LEVELS
from ..paper import DEFAULT_RULE, Blueprint, ContentConstraint, DifficultyTarget, SectionSpec
from ..problems import N_, Problem, ProblemsError
from ..types import ITEM_TYPES, MULTIPLE_RULES
from .native import _JSON_ERRORS

FORMAT_NAME = "hbjn-exam-blueprint"
FORMAT_VERSION = 1
MAX_MINUTES = 600
MAX_TITLE = 200
LEVELS = tuple(DIFFICULTY_LEVELS)  # ("easy", "medium", "hard")


# ---------------------------------------------------------------- writing

def _plain_number(value: float) -> int | float:
    """3.0 → 3, so a document reads the way a teacher wrote it."""
    return int(value) if float(value).is_integer() else value


def blueprint_to_dict(bp: Blueprint, exclude: dict[str, Any] | None = None) -> dict[str, Any]:
    """The native document of ``bp``.

    ``exclude`` carries the usage rules (``used_in_last_papers``, ``used_more_than``)
    that a :class:`Blueprint` does not hold; its ``uids`` default to ``bp.excluded``.
    """
    exclude = exclude or {}
    target = bp.difficulty
    difficulty = None
    if target is not None and target.counts:
        difficulty = {"counts": {level: target.counts.get(level, 0) for level in LEVELS}}
    if target is not None and target.mean is not None:
        difficulty = {**(difficulty or {}), "mean": target.mean, "tolerance": target.tolerance}
    return {
        "format": FORMAT_NAME, "version": FORMAT_VERSION,
        "title": bp.title, "category": bp.category, "minutes": bp.minutes,
        "sections": [{"type": s.type, "count": s.count, "points_each": _plain_number(s.points_each),
                      "rule": s.rule, "instruction": s.instruction} for s in bp.sections],
        "constraints": [{"subject": c.subject, "knowledge_point": c.knowledge_point, "type": c.type,
                         "level": c.level, "exact": c.exact, "minimum": c.minimum, "maximum": c.maximum}
                        for c in bp.constraints],
        "difficulty": difficulty,
        "exclude": {"used_in_last_papers": exclude.get("used_in_last_papers"),
                    "used_more_than": exclude.get("used_more_than"),
                    "uids": list(exclude.get("uids", sorted(bp.excluded)))},
        "pinned": list(bp.pinned),
    }


def write_blueprint(spec: dict[str, Any], fmt: str = "json") -> bytes:
    """``spec`` as UTF-8 JSON (indented) or YAML; Chinese stays readable in both."""
    if fmt == "json":
        return (json.dumps(spec, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    if fmt == "yaml":
        return yaml.safe_dump(spec, allow_unicode=True, sort_keys=False).encode("utf-8")
    raise ValueError(f"unknown blueprint format {fmt!r}")


# ---------------------------------------------------------------- reading

def _is_yaml(filename: str, text: str) -> bool:
    extension = os.path.splitext(filename)[1].lower()
    if extension in (".yaml", ".yml"):
        return True
    return extension != ".json" and not text.lstrip().startswith("{")


def read_blueprint(data: bytes, filename: str = "blueprint.json") -> dict[str, Any]:
    """Parse a JSON or YAML blueprint file (by extension, else by content) into a dict.

    :raise ProblemsError: for a file that is not UTF-8, a syntax error (its place
        is ``file:line:column``) or a document that is not an object. The fields
        are checked by :func:`blueprint_from_dict`.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ProblemsError([Problem(filename, N_("文件不是 UTF-8 编码"))]) from None
    try:
        document = _load_yaml(text, filename) if _is_yaml(filename, text) else _load_json(text, filename)
    except RecursionError:
        raise ProblemsError([Problem(filename, N_("文件嵌套层数过多"))]) from None
    if not isinstance(document, dict):
        raise ProblemsError([Problem(filename, N_("组卷方案文件的内容须是一个对象（{ … }）"))])
    return document


def _load_json(text: str, filename: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        where = f"{filename}:{error.lineno}:{error.colno}"
        if error.msg in _JSON_ERRORS:
            raise ProblemsError([Problem(where, _JSON_ERRORS[error.msg])]) from None
        raise ProblemsError([Problem(where, N_("JSON 语法错误：%(msg)s"), {"msg": error.msg})]) from None


def _load_yaml(text: str, filename: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{filename}:{mark.line + 1}:{mark.column + 1}" if mark else filename
        raise ProblemsError([Problem(where, N_("YAML 语法错误：%(msg)s"),
                                     {"msg": error.problem or str(error)})]) from None
    except yaml.YAMLError as error:
        raise ProblemsError([Problem(filename, N_("YAML 语法错误：%(msg)s"), {"msg": str(error)})]) from None


# ---------------------------------------------------------------- checking

def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def _text(raw: dict, key: str, where: str, problems: list[Problem], required: bool = False,
          limit: int = MAX_TITLE) -> str:
    value = raw.get(key)
    if value is None or value == "":
        if required:
            problems.append(Problem(where, N_("必须填写")))
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        problems.append(Problem(where, N_("须为文字")))
        return ""
    if len(value) > limit:
        problems.append(Problem(where, N_("不能超过 %(limit)d 个字符"), {"limit": limit}))
    return value.strip()


def _optional_text(raw: dict, key: str, where: str, problems: list[Problem]) -> str | None:
    value = raw.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        problems.append(Problem(where, N_("须为文字或 null")))
        return None
    return value.strip() or None


def _count(raw: dict, key: str, where: str, problems: list[Problem], least: int = 0) -> int | None:
    value = raw.get(key)
    if value is None:
        return None
    if not _is_int(value) or value < least:
        problems.append(Problem(where, N_("须为不小于 %(least)d 的整数"), {"least": least}))
        return None
    return value


def _strings(raw: dict, key: str, where: str, problems: list[Problem]) -> tuple[str, ...]:
    value = raw.get(key)
    if value is None:
        return ()
    if not isinstance(value, list):
        problems.append(Problem(where, N_("须为列表，如 [\"hl-0001\", \"hl-0002\"]")))
        return ()
    bad = [k for k, v in enumerate(value) if not isinstance(v, str) or not v.strip()]
    for k in bad:
        problems.append(Problem(f"{where}[{k}]", N_("须为试题编号（文字）")))
    return tuple(dict.fromkeys(v.strip() for v in value if isinstance(v, str) and v.strip()))


def _object(raw: Any, where: str, problems: list[Problem]) -> dict | None:
    if not isinstance(raw, dict):
        problems.append(Problem(where, N_("须为对象（{ … }）")))
        return None
    return raw


def _section(raw: Any, where: str, problems: list[Problem]) -> SectionSpec | None:
    if _object(raw, where, problems) is None:
        return None
    before = len(problems)
    item_type = raw.get("type")
    if item_type not in ITEM_TYPES:
        problems.append(Problem(f"{where}.type", N_("未知题型“%(type)s”，可用题型：%(types)s"),
                                {"type": item_type, "types": "、".join(ITEM_TYPES)}))
    count = raw.get("count")
    if not _is_int(count) or count < 1:
        problems.append(Problem(f"{where}.count", N_("题数须为不小于 1 的整数")))
    points = raw.get("points_each")
    if not _is_number(points) or points <= 0:
        problems.append(Problem(f"{where}.points_each", N_("每题分值须为大于 0 的数")))
    rule = raw.get("rule") or DEFAULT_RULE
    if rule not in MULTIPLE_RULES:
        problems.append(Problem(f"{where}.rule", N_("未知的多选题计分规则“%(rule)s”，可用：%(rules)s"),
                                {"rule": rule, "rules": "、".join(MULTIPLE_RULES)}))
    instruction = _text(raw, "instruction", f"{where}.instruction", problems, limit=1000)
    if len(problems) > before:
        return None
    return SectionSpec(item_type, count, float(points), rule, instruction)


def _constraint(raw: Any, where: str, problems: list[Problem]) -> ContentConstraint | None:
    if _object(raw, where, problems) is None:
        return None
    before = len(problems)
    subject = _text(raw, "subject", f"{where}.subject", problems, required=True)
    point = _optional_text(raw, "knowledge_point", f"{where}.knowledge_point", problems)
    item_type = raw.get("type")
    if item_type is not None and item_type not in ITEM_TYPES:
        problems.append(Problem(f"{where}.type", N_("未知题型“%(type)s”，可用题型：%(types)s"),
                                {"type": item_type, "types": "、".join(ITEM_TYPES)}))
    level = raw.get("level")
    if level is not None and level not in LEVELS:
        problems.append(Problem(f"{where}.level", N_("难度须为 easy、medium 或 hard")))
    exact, minimum, maximum = (_count(raw, key, f"{where}.{key}", problems)
                               for key in ("exact", "minimum", "maximum"))
    if len(problems) > before:
        return None
    if exact is None and minimum is None and maximum is None:
        problems.append(Problem(where, N_("须填写 exact（恰好）、minimum（至少）或 maximum（至多）之一")))
    elif exact is not None and (minimum is not None or maximum is not None):
        problems.append(Problem(f"{where}.exact", N_("填写了 exact（恰好）就不能再填 minimum 或 maximum")))
    elif minimum is not None and maximum is not None and minimum > maximum:
        problems.append(Problem(f"{where}.minimum", N_("至少 %(minimum)d 题不能大于至多 %(maximum)d 题"),
                                {"minimum": minimum, "maximum": maximum}))
    if len(problems) > before:
        return None
    return ContentConstraint(subject, point, item_type, exact, minimum, maximum, level)


def _difficulty(raw: Any, total: int | None, problems: list[Problem]) -> DifficultyTarget | None:
    if raw is None or _object(raw, "difficulty", problems) is None:
        return None
    before = len(problems)
    mean, tolerance, counts = raw.get("mean"), raw.get("tolerance", 0.05), raw.get("counts")
    if mean is None and counts is None:
        problems.append(Problem("difficulty", N_("须填写 mean（难度系数均值）或 counts（各难度题数），不限难度时写 null")))
    if mean is not None and (not _is_number(mean) or not 0 <= mean <= 1):
        problems.append(Problem("difficulty.mean", N_("难度系数均值须在 0 到 1 之间")))
    if tolerance is None:
        tolerance = 0.05
    if not _is_number(tolerance) or tolerance <= 0:
        problems.append(Problem("difficulty.tolerance", N_("允许偏差须为大于 0 的数")))
    if counts is not None and _object(counts, "difficulty.counts", problems) is not None:
        for level, n in counts.items():
            if level not in LEVELS:
                problems.append(Problem(f"difficulty.counts.{level}", N_("难度须为 easy、medium 或 hard")))
            elif not _is_int(n) or n < 0:
                problems.append(Problem(f"difficulty.counts.{level}", N_("须为不小于 0 的整数")))
        if len(problems) == before and total is not None and sum(counts.values()) != total:
            problems.append(Problem("difficulty.counts", N_("各难度题数合计 %(sum)d 题，与试卷的 %(total)d 题不符"),
                                    {"sum": sum(counts.values()), "total": total}))
    if len(problems) > before:
        return None
    return DifficultyTarget(mean=None if mean is None else float(mean), tolerance=float(tolerance),
                            counts={level: counts.get(level, 0) for level in LEVELS} if counts else None)


def _exclude(raw: Any, problems: list[Problem]) -> frozenset[str]:
    if raw is None or _object(raw, "exclude", problems) is None:
        return frozenset()
    _count(raw, "used_in_last_papers", "exclude.used_in_last_papers", problems, least=1)
    _count(raw, "used_more_than", "exclude.used_more_than", problems)
    return frozenset(_strings(raw, "uids", "exclude.uids", problems))


def _header(data: dict, problems: list[Problem]) -> tuple[str, str, int]:
    if data.get("format", FORMAT_NAME) != FORMAT_NAME:
        problems.append(Problem("format", N_("不是组卷方案文件：format 应为 %(name)s"), {"name": FORMAT_NAME}))
    if data.get("version", FORMAT_VERSION) != FORMAT_VERSION:
        problems.append(Problem("version", N_("不支持的版本 %(version)s，本系统读取版本 %(supported)d"),
                                {"version": data.get("version"), "supported": FORMAT_VERSION}))
    title = _text(data, "title", "title", problems, required=True)
    category = _text(data, "category", "category", problems, required=True, limit=16)
    minutes = data.get("minutes", 60)
    if not _is_int(minutes) or not 1 <= minutes <= MAX_MINUTES:
        problems.append(Problem("minutes", N_("考试时长须为 1 至 %(most)d 分钟的整数"), {"most": MAX_MINUTES}))
    return title, category, minutes


def blueprint_from_dict(data: Any) -> Blueprint:
    """Check a blueprint document and build the :class:`Blueprint`.

    ``exclude.uids`` become ``Blueprint.excluded``; the usage rules are only checked.

    :raise ProblemsError: listing every problem, each placed by its JSON path
        ("sections[0].count", "constraints[2].minimum", "difficulty.mean", …).
    """
    problems: list[Problem] = []
    if _object(data, "", problems) is None:
        raise ProblemsError([Problem("", N_("组卷方案须是一个对象（{ … }）"))])
    title, category, minutes = _header(data, problems)
    raw_sections = data.get("sections")
    sections: list[SectionSpec | None] = []
    if not isinstance(raw_sections, list) or not raw_sections:
        problems.append(Problem("sections", N_("至少要有一个大题（题型、题数、每题分值）")))
    else:
        sections = [_section(raw, f"sections[{s}]", problems) for s, raw in enumerate(raw_sections)]
    raw_constraints = data.get("constraints")
    raw_constraints = [] if raw_constraints is None else raw_constraints
    constraints: list[ContentConstraint | None] = []
    if not isinstance(raw_constraints, list):
        problems.append(Problem("constraints", N_("须为列表")))
    else:
        constraints = [_constraint(raw, f"constraints[{k}]", problems) for k, raw in enumerate(raw_constraints)]
    total = sum(s.count for s in sections if s) if sections and all(sections) else None
    difficulty = _difficulty(data.get("difficulty"), total, problems)
    excluded = _exclude(data.get("exclude"), problems)
    pinned = _strings(data, "pinned", "pinned", problems)
    if problems:
        raise ProblemsError(problems)
    return Blueprint(title=title, category=category, sections=tuple(sections), minutes=minutes,
                     constraints=tuple(constraints), difficulty=difficulty, excluded=excluded,
                     pinned=pinned)


def exclude_rules(data: dict[str, Any]) -> dict[str, Any]:
    """The ``exclude`` object of a checked document, with every key present."""
    raw = data.get("exclude") or {}
    return {"used_in_last_papers": raw.get("used_in_last_papers"), "used_more_than": raw.get("used_more_than"),
            "uids": [u.strip() for u in raw.get("uids") or []]}
