"""The native bank format: a versioned JSON document, alone or zipped with its images.

Documented in docs/BANK_FORMAT.md. ``read_bank`` checks everything and reports
every problem with its place; ``write_json``/``write_package`` lose no field.
"""
from __future__ import annotations

import io
import json
import math
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..media import check_image
from ..model import DIFFICULTY_LEVELS, ITEM_STATUSES, Item, Option, ScoringPoint
from ..problems import N_, Problem, ProblemsError
from ..richtext import media_names, sanitize
from ..types import ITEM_TYPES, validate

FORMAT_NAME = "hbjn-exam-bank"
FORMAT_VERSION = 1
BANK_JSON = "bank.json"
MAX_PACKAGE_BYTES = 512 * 1024 * 1024
MAX_MEMBERS = 20000
#: an item's uid: letters, digits and ``. _ : -``, at most 64 characters
UID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
MEDIA_NAME = re.compile(r"^[0-9a-f]{64}\.(?:png|jpg|gif|webp)$")


@dataclass(frozen=True)
class SubjectNode:
    name: str
    knowledge_points: tuple[str, ...] = ()


@dataclass(frozen=True)
class CategoryNode:
    code: str
    name: str
    subjects: tuple[SubjectNode, ...] = ()


@dataclass
class Bank:
    """What a bank file holds: taxonomy paths, items and the images they use."""

    taxonomy: list[CategoryNode] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    media: dict[str, bytes] = field(default_factory=dict)


# ---------------------------------------------------------------- writing

def item_to_dict(item: Item) -> dict[str, Any]:
    """The native JSON object of one item."""
    answer = item.answer
    if isinstance(answer, tuple):
        answer = [list(a) if isinstance(a, tuple) else a for a in answer]
    data = {
        "uid": item.uid, "version": item.version, "status": item.status,
        "category": item.category, "subject": item.subject,
        "knowledge_points": list(item.knowledge_points),
        "type": item.type, "stem": item.stem,
        "options": [{"id": o.id, "text": o.text, "image": o.image, "pinned": o.pinned}
                    for o in item.options],
        "answer": answer,
        "scoring_points": [{"text": p.text, "points": p.points} for p in item.scoring_points],
        "explanation": item.explanation, "difficulty": item.difficulty, "points": item.points,
        **({"case_sensitive": True} if item.case_sensitive else {}),
        "tags": list(item.tags), "source": item.source, "author": item.author,
        "created_at": item.created_at, "updated_at": item.updated_at,
    }
    return data


def bank_to_dict(bank: Bank) -> dict[str, Any]:
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "taxonomy": [{"code": c.code, "name": c.name,
                      "subjects": [{"name": s.name, "knowledge_points": list(s.knowledge_points)}
                                   for s in c.subjects]} for c in bank.taxonomy],
        "items": [item_to_dict(i) for i in bank.items],
    }


def write_json(bank: Bank) -> bytes:
    """The bank as a JSON document (images are not included)."""
    return json.dumps(bank_to_dict(bank), ensure_ascii=False, indent=1).encode("utf-8")


def write_package(bank: Bank) -> bytes:
    """The bank as a zip package: ``bank.json`` plus ``media/<name>`` for each image."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(BANK_JSON, write_json(bank))
        for name in sorted(bank.media):
            package.writestr(f"media/{name}", bank.media[name])
    return buffer.getvalue()


# ---------------------------------------------------------------- reading

#: the json module's messages, in the words of the teachers who edit bank files
_JSON_ERRORS = {
    "Expecting value": N_("JSON 语法错误：此处缺少一个值（多了逗号，或文字没有加双引号？）"),
    "Expecting property name enclosed in double quotes": N_("JSON 语法错误：此处应为用双引号括起的字段名（最后一项后面多了逗号？）"),
    "Expecting ',' delimiter": N_("JSON 语法错误：此处缺少逗号"),
    "Expecting ':' delimiter": N_("JSON 语法错误：字段名后缺少冒号"),
    "Unterminated string starting at": N_("JSON 语法错误：文字缺少结尾的双引号"),
    "Invalid control character at": N_("JSON 语法错误：文字中有不可见的控制字符（如直接换行，应写成 \\n）"),
    "Invalid \\escape": N_("JSON 语法错误：文字中的反斜杠 \\ 须写成 \\\\"),
    "Invalid \\uXXXX escape": N_("JSON 语法错误：\\u 后须跟 4 位十六进制数"),
    "Extra data": N_("JSON 语法错误：JSON 已经结束，后面还有多余的内容"),
}

def read_bank(data: bytes, filename: str = BANK_JSON, images: dict[str, bytes] | None = None) -> Bank:
    """Parse a native JSON document or zip package.

    ``images`` supplies the image files a JSON document refers to (a package
    carries its own); only the ones its items use are checked and kept.

    :raise ProblemsError: listing every problem found, each with its place
        (``file:line`` for syntax errors, ``file: items[i] (uid …) field`` otherwise).
    """
    media: dict[str, bytes] = {}
    package = filename
    if data[:4] == b"PK\x03\x04":
        data, media = _unpack(data, filename)
        filename = f"{filename}!{BANK_JSON}"
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ProblemsError([Problem(filename, N_("文件不是 UTF-8 编码的 JSON"))]) from None
    except RecursionError:
        raise ProblemsError([Problem(filename, N_("文件嵌套层数过多"))]) from None
    except json.JSONDecodeError as error:
        where = f"{filename}:{error.lineno}:{error.colno}"
        if error.msg in _JSON_ERRORS:
            raise ProblemsError([Problem(where, _JSON_ERRORS[error.msg])]) from None
        raise ProblemsError([Problem(where, N_("JSON 语法错误：%(msg)s"), {"msg": error.msg})]) from None
    return _read_document(document, media, filename, package, images or {})


def _unpack(data: bytes, filename: str) -> tuple[bytes, dict[str, bytes]]:
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        members = package.infolist()
    except zipfile.BadZipFile:
        raise ProblemsError([Problem(filename, N_("zip 文件已损坏"))]) from None
    problems = []
    if len(members) > MAX_MEMBERS:
        problems.append(Problem(filename, N_("压缩包内文件过多（%(n)d 个）"), {"n": len(members)}))
    if sum(m.file_size for m in members) > MAX_PACKAGE_BYTES:
        problems.append(Problem(filename, N_("压缩包解压后过大")))
    for member in members:
        name = member.filename
        if name.startswith("/") or ".." in name.split("/") or "\\" in name or ":" in name:
            problems.append(Problem(f"{filename}!{name}", N_("压缩包内含不安全的路径")))
    names = {m.filename for m in members}
    if BANK_JSON not in names:
        problems.append(Problem(filename, N_("压缩包中没有 %(name)s"), {"name": BANK_JSON}))
    if problems:
        raise ProblemsError(problems)
    try:
        media = {posixpath.basename(m.filename): package.read(m) for m in members
                 if m.filename.startswith("media/") and not m.is_dir()}
        return package.read(BANK_JSON), media
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError):  # bad CRC, truncated, odd method
        raise ProblemsError([Problem(filename, N_("zip 文件已损坏"))]) from None


def _read_document(document: Any, media: dict[str, bytes], filename: str, package: str,
                   images: dict[str, bytes]) -> Bank:
    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        raise ProblemsError([Problem(filename, N_("不是本系统的题库文件（缺少 \"format\": \"%(name)s\"）"),
                                     {"name": FORMAT_NAME})])
    version = document.get("version")
    if isinstance(version, bool) or version != FORMAT_VERSION:
        raise ProblemsError([Problem(filename, N_("不支持的题库格式版本 %(v)s（支持版本 %(ok)d）"),
                                     {"v": version, "ok": FORMAT_VERSION})])
    problems: list[Problem] = []
    taxonomy = _read_taxonomy(document.get("taxonomy", []), filename, problems)
    items = []
    seen_uids: dict[str, int] = {}
    raw_items = document.get("items", [])
    if not isinstance(raw_items, list):
        raw_items = []
        problems.append(Problem(f"{filename}: items", N_("items 必须是列表")))
    for index, raw in enumerate(raw_items):
        uid = raw.get("uid") if isinstance(raw, dict) else None
        where = f"{filename}: items[{index}]" + (f" (uid {uid})" if uid else "")
        try:
            item = item_from_dict(raw)
        except ProblemsError as error:
            problems.extend(p.located(f"{where} ") for p in error.problems)
            continue
        if item.uid and item.uid in seen_uids:
            problems.append(Problem(where, N_("uid 与 items[%(other)d] 重复"), {"other": seen_uids[item.uid]}))
        seen_uids[item.uid] = index
        for name in _item_media(item):
            if name not in media and name in images:
                media[name] = images[name]
            if name not in media:
                problems.append(Problem(where, N_("引用的图片 %(name)s 不在题库包中"), {"name": name}))
        items.append(item)
    checked = {}
    for name, blob in media.items():
        try:
            image = check_image(blob, f"{package}!media/{name}")
        except ProblemsError as error:
            problems.extend(error.problems)
            continue
        if image.name != name:
            problems.append(Problem(f"{package}!media/{name}", N_("图片内容与文件名中的哈希值不符")))
        checked[name] = blob
    if problems:
        raise ProblemsError(problems)
    return Bank(taxonomy, items, checked)


def _item_media(item: Item) -> set[str]:
    names = media_names(item.stem) | media_names(item.explanation)
    for option in item.options:
        names |= media_names(option.text)
        if option.image:
            names.add(option.image)
    if isinstance(item.answer, str):
        names |= media_names(item.answer)
    return names


def _read_taxonomy(raw: Any, filename: str, problems: list[Problem]) -> list[CategoryNode]:
    nodes = []
    if not isinstance(raw, list):
        problems.append(Problem(f"{filename}: taxonomy", N_("taxonomy 必须是列表")))
        return nodes
    for index, category in enumerate(raw):
        where = f"{filename}: taxonomy[{index}]"
        if not isinstance(category, dict) or not _text(category.get("code")) or not _text(category.get("name")):
            problems.append(Problem(where, N_("每个大类须有 code 和 name")))
            continue
        subjects = []
        for s_index, subject in enumerate(category.get("subjects") or []):
            if not isinstance(subject, dict) or not _text(subject.get("name")):
                problems.append(Problem(f"{where}.subjects[{s_index}]", N_("每个科目须有 name")))
                continue
            points = subject.get("knowledge_points") or []
            if not isinstance(points, list) or not all(_text(p) for p in points):
                problems.append(Problem(f"{where}.subjects[{s_index}]", N_("knowledge_points 必须是文字列表")))
                points = []
            subjects.append(SubjectNode(subject["name"].strip(), tuple(p.strip() for p in points)))
        nodes.append(CategoryNode(category["code"].strip(), category["name"].strip(), tuple(subjects)))
    return nodes


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _number(raw: dict, key: str, default: float, problems: list[Problem]) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        problems.append(Problem(key, N_("%(key)s 必须是数字"), {"key": key}))
        return default
    return float(value)


def _version(raw: dict, problems: list[Problem]) -> int:
    value = raw.get("version", 1)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        problems.append(Problem("version", N_("version 必须是不小于 1 的整数")))
        return 1
    return value


def _timestamp(raw: dict, key: str, problems: list[Problem]) -> str:
    value = raw.get(key) or ""
    try:
        if not isinstance(value, str):
            raise ValueError
        if value:
            datetime.fromisoformat(value)
    except ValueError:
        problems.append(Problem(key, N_("%(key)s 须为 ISO 8601 时间，如 2025-03-01T08:00:00+00:00"),
                                {"key": key}))
        return ""
    return value


def _uid(raw: dict, problems: list[Problem]) -> str:
    value = raw.get("uid") or ""
    if value and not (isinstance(value, str) and UID_PATTERN.match(value)):
        problems.append(Problem("uid", N_("uid 只能由字母、数字和 . _ : - 组成，且不超过 64 个字符")))
        return ""
    return value


def _list(raw: dict, key: str, problems: list[Problem]) -> list:
    value = raw.get(key) or []
    if not isinstance(value, list):
        problems.append(Problem(key, N_("%(key)s 必须是列表"), {"key": key}))
        return []
    return value


def _difficulty(raw: dict, problems: list[Problem]) -> float:
    value = raw.get("difficulty", "medium")
    if isinstance(value, str):
        if value not in DIFFICULTY_LEVELS:
            problems.append(Problem("difficulty", N_("难度须为 0–1 的数字或 easy/medium/hard，而不是“%(v)s”"),
                                    {"v": value}))
            return DIFFICULTY_LEVELS["medium"]
        return DIFFICULTY_LEVELS[value]
    return _number(raw, "difficulty", DIFFICULTY_LEVELS["medium"], problems)


def _answer(item_type: str, raw: Any, problems: list[Problem]) -> Any:
    if item_type == "multiple" and isinstance(raw, list):
        return tuple(str(a) for a in raw)
    if item_type == "blank" and isinstance(raw, list):
        return tuple(tuple(str(x) for x in (a if isinstance(a, list) else [a])) for a in raw)
    if item_type == "short" and isinstance(raw, str):
        return sanitize(raw)
    if (item_type == "single" and isinstance(raw, str)) or item_type == "truefalse" or raw is None:
        return raw
    problems.append(Problem("answer", N_("答案的格式不符合题型要求")))
    return None


def item_from_dict(raw: Any) -> Item:
    """Build an item from its native JSON object, sanitising rich text.

    :raise ProblemsError: with every problem in the object, each naming its field.
    """
    if not isinstance(raw, dict):
        raise ProblemsError([Problem("", N_("每道题必须是一个 JSON 对象"))])
    problems: list[Problem] = []
    item_type = raw.get("type")
    if item_type not in ITEM_TYPES:
        raise ProblemsError([Problem("type", N_("未知题型“%(type)s”，可用题型：%(types)s"),
                                     {"type": item_type, "types": "、".join(ITEM_TYPES)})])
    for key in ("category", "subject"):
        if not _text(raw.get(key)):
            problems.append(Problem(key, N_("缺少 %(key)s"), {"key": key}))
    status = raw.get("status", "draft")
    if status not in ITEM_STATUSES:
        problems.append(Problem("status", N_("状态须为 %(ok)s 之一"), {"ok": ", ".join(ITEM_STATUSES)}))
    options = []
    for index, option in enumerate(_list(raw, "options", problems)):
        if not isinstance(option, dict):
            problems.append(Problem(f"options[{index}]", N_("选项必须是 JSON 对象")))
            continue
        image = option.get("image") or None
        if image is not None and not (isinstance(image, str) and MEDIA_NAME.match(image)):
            problems.append(Problem(f"options[{index}].image",
                                    N_("图片须写成题库包内的文件名 <sha256>.<png|jpg|gif|webp>")))
            image = None
        options.append(Option(str(option.get("id", "")), sanitize(str(option.get("text") or "")),
                              image, bool(option.get("pinned", False))))
    scoring = []
    for index, point in enumerate(_list(raw, "scoring_points", problems)):
        if not isinstance(point, dict):
            problems.append(Problem(f"scoring_points[{index}]", N_("评分要点必须是 JSON 对象")))
            continue
        scoring.append(ScoringPoint(str(point.get("text", "")), _number(point, "points", 0, problems)))
    string_lists = {}
    for key in ("knowledge_points", "tags"):
        value = raw.get(key) or []
        if not isinstance(value, list) or not all(_text(v) for v in value):
            problems.append(Problem(key, N_("%(key)s 必须是文字列表"), {"key": key}))
            value = []
        string_lists[key] = tuple(v.strip() for v in value)
    item = Item(
        type=item_type, stem=sanitize(str(raw.get("stem") or "")), options=tuple(options),
        answer=_answer(item_type, raw.get("answer"), problems),
        explanation=sanitize(str(raw.get("explanation") or "")),
        difficulty=_difficulty(raw, problems), points=_number(raw, "points", 1.0, problems),
        scoring_points=tuple(scoring), case_sensitive=raw.get("case_sensitive") is True,
        category=str(raw.get("category") or "").strip(), subject=str(raw.get("subject") or "").strip(),
        knowledge_points=string_lists["knowledge_points"], tags=string_lists["tags"],
        source=str(raw.get("source") or ""), status=status if status in ITEM_STATUSES else "draft",
        uid=_uid(raw, problems), version=_version(raw, problems),
        author=str(raw.get("author") or ""), created_at=_timestamp(raw, "created_at", problems),
        updated_at=_timestamp(raw, "updated_at", problems),
    )
    problems.extend(validate(item))
    if problems:
        raise ProblemsError(problems)
    return item
