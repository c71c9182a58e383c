"""Importing students from a CSV or xlsx roster: all of them or, on any error, none.

The roster has a header row with the columns 学号 (the username), 姓名, 班级,
学校 and 初始密码. :func:`parse_students` reads and checks the file without
the database; :func:`import_students` adds the database checks and saves.
Every problem names its place, ``名单.csv:第 3 行`` or ``名单.xlsx!Sheet1 第 3 行``,
counting rows as Excel shows them (the header is usually row 1).
"""
from __future__ import annotations

import csv
import io
import os
import re
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Callable, Iterator

from flask import current_app
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import School, SchoolClass, User
from ..security import BCRYPT_MAX_BYTES, hash_password
from . import accounts
from .errors import N_, Problem, ProblemsError

#: header text → field; 初始密码 may be left out when a default password is given
COLUMNS = {"学号": "username", "姓名": "name", "班级": "class_name", "学校": "school", "初始密码": "password"}
REQUIRED_COLUMNS = ("学号", "姓名", "班级", "学校")
MAX_ROWS = 5000
#: From this many passwords on, hash on every core in a thread pool. bcrypt (pyca, ≥ 4)
#: releases the GIL, so threads scale like processes: at cost 12 on 2 cores, 0.27 s a hash
#: alone, 0.135 s in threads, 0.136 s forked, 0.140 s spawned; a thread pool starts in 0.3 ms,
#: so it pays from 2 passwords on. Threads need no pickling or process start-up, and never
#: fork a threaded web server. Three or fewer stay on the caller's thread (at most 0.3 s lost).
HASH_POOL_MIN = 4
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+\d+$")


@dataclass(frozen=True)
class StudentRow:
    where: str
    line: int
    username: str
    name: str
    class_name: str
    school: str
    password: str


@dataclass
class ImportSummary:
    """How many students were created, and the names of the schools and classes made for them."""

    created: int
    schools: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- reading the file

def _short_name(filename: str) -> str:
    # old IE sends the whole Windows path of an upload
    return os.path.basename((filename or "").replace("\\", "/")) or "名单"


def _decode(data: bytes) -> str | None:
    """Text of a CSV saved by Excel or WPS: UTF-8 (with or without BOM), GBK/GB18030 or UTF-16."""
    utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))  # Excel's "Unicode text"
    for encoding in ("utf-16",) if utf16 else ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _csv_table(data: bytes, filename: str):
    text = _decode(data)
    if text is None:
        raise ProblemsError([Problem(filename, N_("无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV 文件"))])
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        raise ProblemsError([Problem(filename, N_("CSV 文件格式有误，无法读取"))]) from None
    return rows, lambda n: f"{filename}:第 {n} 行"


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a 学号 or password typed as a number
    return str(value)


def _xlsx_table(data: bytes, filename: str):
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise ProblemsError([Problem(filename, N_("无法读取该 Excel 文件，请确认是 .xlsx 格式"))]) from None
    sheet = book.worksheets[0]
    sheet.reset_dimensions()  # some writers record a wrong used range; read every cell instead
    rows = [[_cell(v) for v in values] for values in sheet.iter_rows(values_only=True)]
    title = sheet.title
    book.close()
    return rows, lambda n: f"{filename}!{title} 第 {n} 行"


def _table(data: bytes, filename: str) -> tuple[list[list[str]], Callable[[int], str]]:
    """The file's rows (lists of strings) and how to name row ``n``.

    :raise ProblemsError: when the file cannot be read at all.
    """
    ext = os.path.splitext(filename)[1].lower()
    if ext == ".xls" or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ProblemsError([Problem(filename, N_("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 CSV"))])
    if ext in (".xlsx", ".xlsm") or data.startswith(b"PK\x03\x04"):
        return _xlsx_table(data, filename)
    return _csv_table(data, filename)


# ---------------------------------------------------------------- checking rows

def _header(rows: Iterator[list[str]]) -> tuple[int, dict[str, int]]:
    """Skip blank rows; the first other row is the header: its line and column → index."""
    for line, cells in enumerate(rows, start=1):
        cells = [c.strip() for c in cells]
        if any(cells):
            return line, {c: i for i, c in reversed(list(enumerate(cells))) if c in COLUMNS}
    return 0, {}


def _row_problems(row: StudentRow, min_length: int, default_password: str) -> list[Problem]:
    found = []

    def bad(template, **params):
        found.append(Problem(row.where, template, params))

    if not row.username:
        bad(N_("学号不能为空"))
    elif _SCIENTIFIC.match(row.username):
        bad(N_("学号“%(username)s”被 Excel 存成了科学计数法：请把学号列设为文本格式后重新保存"),
            username=row.username)
    elif len(row.username) > 64 or any(c.isspace() for c in row.username):
        bad(N_("学号不能含空格，且不超过 64 个字符"))
    if not row.name:
        bad(N_("姓名不能为空"))
    elif len(row.name) > 64:
        bad(N_("姓名不超过 64 个字符"))
    if len(row.school) > 100:
        bad(N_("学校名称不超过 100 个字符"))
    if len(row.class_name) > 64:
        bad(N_("班级名称不超过 64 个字符"))
    if row.class_name and not row.school:
        bad(N_("填写了班级但没有填写学校"))
    if not row.password and not default_password:
        bad(N_("初始密码为空，且未指定默认密码"))
    elif row.password and len(row.password) < min_length:
        bad(N_("初始密码至少 %(n)d 位"), n=min_length)
    elif len(row.password.encode("utf-8")) > BCRYPT_MAX_BYTES:
        bad(N_("密码过长：最多 %(n)d 个英文字符或 %(cjk)d 个汉字"), n=BCRYPT_MAX_BYTES, cjk=BCRYPT_MAX_BYTES // 3)
    return found


def parse_students(data: bytes, filename: str, default_password: str = "",
                   min_password_length: int = 6) -> tuple[list[StudentRow], list[Problem]]:
    """Read a roster and check everything that needs no database.

    Rows with a blank 初始密码 get ``default_password``. Returns the rows and
    every problem found; the rows are only fit to save when there are none.
    """
    filename = _short_name(filename)
    try:
        table, place = _table(data, filename)
    except ProblemsError as error:
        return [], error.problems
    rows = iter(table)
    header_line, columns = _header(rows)
    if not header_line:
        return [], [Problem(filename, N_("文件是空的"))]
    required = REQUIRED_COLUMNS + (() if default_password else ("初始密码",))
    missing = [c for c in required if c not in columns]
    if missing:
        return [], [Problem(place(header_line), N_("缺少列：%(columns)s（表头须有学号、姓名、班级、学校、初始密码这几列）"),
                            {"columns": "、".join(missing)})]
    problems = []
    if default_password and len(default_password) < min_password_length:
        problems.append(Problem("default_password", N_("默认密码至少 %(n)d 位"), {"n": min_password_length}))
    elif len(default_password.encode("utf-8")) > BCRYPT_MAX_BYTES:
        problems.append(Problem("default_password", N_("密码过长：最多 %(n)d 个英文字符或 %(cjk)d 个汉字"),
                                {"n": BCRYPT_MAX_BYTES, "cjk": BCRYPT_MAX_BYTES // 3}))
    students, first_line = [], {}
    for line, cells in enumerate(rows, start=header_line + 1):
        cells = [c.strip() for c in cells]
        if not any(cells):
            continue
        values = {COLUMNS[c]: cells[i] if i < len(cells) else "" for c, i in columns.items()}
        values.setdefault("password", "")
        row = StudentRow(where=place(line), line=line, **values)
        problems += _row_problems(row, min_password_length, default_password)
        if row.username in first_line:
            problems.append(Problem(row.where, N_("学号“%(username)s”重复：第 %(first)d 行和第 %(line)d 行"),
                                    {"username": row.username, "first": first_line[row.username],
                                     "line": line}))
        elif row.username:
            first_line[row.username] = line
        students.append(row if row.password else replace(row, password=default_password))
    if not students and not problems:
        problems.append(Problem(filename, N_("文件中没有学生数据")))
    elif len(students) > MAX_ROWS:
        problems.append(Problem(filename, N_("一次最多导入 %(max)d 名学生，本文件有 %(n)d 名"),
                                {"max": MAX_ROWS, "n": len(students)}))
    return students, problems


# ---------------------------------------------------------------- saving

def _taken(students: list[StudentRow]) -> list[Problem]:
    names = [s.username for s in students if s.username]
    taken = set()
    for start in range(0, len(names), 500):
        chunk = names[start:start + 500]
        taken.update(db.session.scalars(select(User.username).where(User.username.in_(chunk))))
    return [Problem(s.where, N_("学号“%(username)s”已存在"), {"username": s.username})
            for s in students if s.username in taken]


def hash_passwords(passwords: list[str]) -> list[str]:
    """bcrypt hashes of ``passwords``, in order; many of them at once on every core."""
    workers = min(os.cpu_count() or 1, len(passwords))
    if len(passwords) < HASH_POOL_MIN or workers < 2:
        return [hash_password(p) for p in passwords]
    rounds = current_app.config["BCRYPT_ROUNDS"]
    with ThreadPoolExecutor(max_workers=workers) as pool:  # bcrypt releases the GIL while hashing
        return list(pool.map(lambda password: hash_password(password, rounds), passwords))


def _school(name: str, cache: dict[str, School], created: list[str]) -> School:
    if name not in cache:
        if db.session.scalar(select(School.id).where(School.name == name)) is None:
            created.append(name)
        cache[name] = accounts.get_or_create_school(name)
    return cache[name]


def _class(school: School, name: str, cache: dict[tuple[int, str], SchoolClass],
           created: list[str]) -> SchoolClass:
    if (school.id, name) not in cache:
        if db.session.scalar(select(SchoolClass.id).where(
                SchoolClass.school_id == school.id, SchoolClass.name == name)) is None:
            created.append(f"{school.name} {name}")
        cache[school.id, name] = accounts.get_or_create_class(school, name)
    return cache[school.id, name]


def _add_students(students: list[StudentRow], hashes: list[str]) -> ImportSummary:
    force_change = current_app.config["FORCE_PASSWORD_CHANGE_ON_IMPORT"]
    schools: dict[str, School] = {}
    classes: dict[tuple[int, str], SchoolClass] = {}
    summary = ImportSummary(len(students))
    for row, hashed in zip(students, hashes):
        user = User(username=row.username, password_hash=hashed, role="student", name=row.name,
                    must_change_password=force_change)
        if row.school:
            user.school = _school(row.school, schools, summary.schools)
            if row.class_name:
                user.school_class = _class(user.school, row.class_name, classes, summary.classes)
        db.session.add(user)
    return summary


def import_students(data: bytes, filename: str, default_password: str = "") -> ImportSummary:
    """Import a roster as student accounts in one transaction.

    Students must change their password at first login when
    ``FORCE_PASSWORD_CHANGE_ON_IMPORT`` is set; schools and classes are created as needed.

    :raise ProblemsError: naming every bad row (file and row number); nothing is imported then.
    """
    students, problems = parse_students(data, filename, default_password,
                                        current_app.config["MIN_PASSWORD_LENGTH"])
    problems += _taken(students)
    if problems:
        line = {s.where: s.line for s in students}
        # in row order; the sort is stable, so problems with the whole file come first
        raise ProblemsError(sorted(problems, key=lambda p: line.get(p.where, 0)))
    db.session.commit()  # end the read transaction: hashing a big roster takes minutes
    hashes = hash_passwords([s.password for s in students])
    try:
        summary = _add_students(students, hashes)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ProblemsError([Problem(_short_name(filename), N_(
            "导入期间有相同学号的账号被他人创建，本次未导入任何学生，请重新导入"))]) from None
    return summary


def template_csv() -> bytes:
    """An empty roster: the header row, UTF-8 with a BOM so that Excel opens it correctly."""
    return ("\ufeff" + ",".join(COLUMNS) + "\r\n").encode("utf-8")
