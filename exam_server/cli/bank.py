"""``exam-server bank …``: import, export and count items."""
import json
import os
import sys
import tempfile
import unicodedata

import click

from question_bank.formats.native import read_bank, write_json, write_package
from question_bank.model import ITEM_STATUSES
from question_bank.types import ITEM_TYPES

from ..i18n import problem_text
from ..labels import type_label
from ..services import banks
from ..services.errors import Problem, ProblemsError


@click.group()
def bank() -> None:
    """Item banks: import, export, statistics."""


@bank.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check and count, but write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
def import_(file: str, dry_run: bool, as_json: bool) -> None:
    """Import a native bank FILE (.json, or .zip with images). All or nothing."""
    filename = os.path.basename(file)
    with open(file, "rb") as handle:
        data = handle.read()
    try:
        report = banks.import_bank(read_bank(data, filename), dry_run=dry_run, filename=filename)
    except ProblemsError as error:
        if as_json:
            errors = [{"where": p.where, "message": _message(p)} for p in error.problems]
            click.echo(json.dumps({"imported": 0, "skipped": [], "errors": errors}, ensure_ascii=False, indent=1))
        for problem in error.problems:
            click.echo(problem_text(problem), err=True)
        click.echo(f"导入失败：共 {len(error.problems)} 个问题，未导入任何试题", err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps({
            "imported": report.imported, "created": report.created, "updated": report.updated,
            "unchanged": report.unchanged, "dry_run": report.dry_run,
            "skipped": [{"where": p.where, "reason": _message(p)} for p in report.skipped],
            "errors": []}, ensure_ascii=False, indent=1))
        return
    verb = "检查通过（试运行，未写入）：将" if dry_run else "导入完成："
    click.echo(f"{verb}新增 {report.created} 道，更新 {report.updated} 道，"
               f"未变 {report.unchanged} 道；新图片 {report.media_added} 张")


@bank.command("export")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False),
              help="bank.zip (with images) or bank.json (items without images only).")
@click.option("--category", default=None, help="Category code, e.g. JSJ; all categories if omitted.")
@click.option("--status", "statuses", multiple=True, type=click.Choice(ITEM_STATUSES),
              help="Only items with this status (repeatable); all statuses if omitted.")
def export(out: str, category: str | None, statuses: tuple[str, ...]) -> None:
    """Export items, their taxonomy and images in the native format."""
    kind = os.path.splitext(out)[1].lower()
    if kind not in (".zip", ".json"):
        _fail("导出文件须以 .zip（含图片的题库包）或 .json（仅 JSON）结尾")
    try:
        exported = banks.export_bank(category, statuses or None)
    except ProblemsError as error:
        _fail(*(problem_text(p) for p in error.problems))
    if kind == ".json" and exported.media:
        _fail(f"这些试题用到 {len(exported.media)} 张图片，.json 文件装不下图片，请改为导出 .zip 题库包")
    _write_atomically(out, write_package(exported) if kind == ".zip" else write_json(exported))
    click.echo(f"已导出 {len(exported.items)} 道试题、{len(exported.media)} 张图片到 {out}")


@bank.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def stats(as_json: bool) -> None:
    """Count published items per category, subject, type and difficulty."""
    counts = banks.bank_stats()
    if as_json:
        click.echo(json.dumps(counts, ensure_ascii=False, indent=1))
        return
    header = ["大类", "已发布"] + [type_label(t) for t in ITEM_TYPES] + ["易", "中", "难"]
    rows = [header]
    for category in counts["categories"]:
        rows.append([f"{category['code']} {category['name']}", category["items"],
                     *category["types"].values(), *category["difficulty"].values()])
        rows += [[f"  {s['name']}", s["items"]] for s in category["subjects"]]
    rows.append(["合计", counts["total"]])
    for line in _table(rows):
        click.echo(line)


def _table(rows: list[list]) -> list[str]:
    """Rows as aligned text; Chinese characters count as two columns."""
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(_width(row[i]) for row in cells if i < len(row)) for i in range(len(cells[0]))]
    lines = []
    for row in cells:
        parts = [row[0] + " " * (widths[0] - _width(row[0]))]
        parts += [" " * (widths[i] - _width(c)) + c for i, c in enumerate(row[1:], start=1)]
        lines.append("  ".join(parts).rstrip())
    return lines


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _write_atomically(path: str, data: bytes) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".export-")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(tmp, 0o644)  # mkstemp makes it private; an export is meant to be shared
    os.replace(tmp, path)


def _message(problem: Problem) -> str:
    """A problem's message in the user's language, without its place."""
    return problem_text(Problem("", problem.template, problem.params))


def _fail(*lines: str) -> None:
    for line in lines:
        click.echo(line, err=True)
    sys.exit(1)
