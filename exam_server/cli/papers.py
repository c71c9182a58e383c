"""``exam-server paper …`` and ``exam-server blueprint …``: assemble, show and print papers; move blueprints."""
import json
import os
import sys
import tempfile

import click

from ..i18n import problem_text
from ..labels import type_label
from ..services import blueprints, papers, taxonomy
from ..services.errors import ProblemsError


@click.group()
def paper() -> None:
    """Papers: assemble from a blueprint, show, print to PDF."""


@paper.command("assemble")
@click.argument("blueprint")
@click.option("--seed", type=int, required=True, help="Random seed: the same seed gives the same paper.")
@click.option("--forms", type=click.IntRange(1, papers.MAX_FORMS), default=1, show_default=True,
              help="Number of parallel forms (A卷, B卷, …).")
@click.option("--max-shared", type=click.IntRange(0), default=0, show_default=True,
              help="Most items any two forms may share (pinned items aside).")
@click.option("--title", default=None, help="Title of the paper instead of the blueprint's.")
def assemble(blueprint: str, seed: int, forms: int, max_shared: int, title: str | None) -> None:
    """Assemble papers from BLUEPRINT and print the new paper ids, one per line.

    BLUEPRINT is a blueprint file (.json, .yaml, .yml), a stored blueprint's id,
    or a category code for that category's default blueprint (e.g. HL).
    """
    try:
        source = blueprints.resolve(blueprint)
        made = papers.assemble_papers(source, seed, forms=forms, max_shared=max_shared, title=title)
    except ProblemsError as error:
        _fail(error, "组卷失败，未生成任何试卷")
    for record in made:
        click.echo(record.id)


@paper.command("show")
@click.argument("paper_id", type=int)
@click.option("--json", "as_json", is_flag=True, help='Print {"id", "title", "total_points", "sections"} as JSON.')
def show(paper_id: int, as_json: bool) -> None:
    """Show a paper: its sections and items (ids in order), or its statistics."""
    record = _paper(paper_id)
    if as_json:
        click.echo(json.dumps(papers.paper_json(record), ensure_ascii=False, indent=1))
        return
    stats = papers.paper_stats(record)
    form = f"（{record.form}卷）" if record.form else ""
    click.echo(f"#{record.id} {record.title}{form}")
    click.echo(f"类别 {record.category.code} {record.category.name}；{stats['items']} 题，"
               f"满分 {stats['total_points']} 分，{record.minutes} 分钟；"
               f"难度系数均值 {stats['mean_difficulty']:.2f}")
    for section in papers.paper_json(record)["sections"]:
        ids = " ".join(str(i) for i in section["items"])
        click.echo(f"  {type_label(section['type'])} {len(section['items'])} 题 × {section['points_each']} 分：{ids}")
    click.echo("  科目：" + "，".join(f"{s['subject']} {s['count']} 题" for s in stats["by_subject"]))
    levels = stats["by_level"]
    click.echo(f"  难度：易 {levels['easy']}，中 {levels['medium']}，难 {levels['hard']}；"
               f"覆盖知识点 {stats['knowledge_points']} 个")


@paper.command("pdf")
@click.argument("paper_id", type=int)
@click.option("--kind", type=click.Choice(list(papers.RENDERERS)), default="paper", show_default=True)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="The PDF file to write.")
@click.option("--layout", type=click.Choice(papers.LAYOUTS), default="a4", show_default=True,
              help="a4 portrait, or a3/b4 landscape in two columns.")
def pdf(paper_id: int, kind: str, out: str, layout: str) -> None:
    """Print a paper, its answer sheet (答题卡) or its key (参考答案及评分标准) to a PDF file."""
    record = _paper(paper_id)
    try:
        data = papers.render_pdf(record, kind, layout)
    except (ProblemsError, ValueError) as error:
        click.echo(str(error), err=True)
        sys.exit(1)
    _write_atomically(out, data)
    click.echo(f"已写入 {out}（{len(data) // 1024} KB）")


@paper.command("list")
@click.option("--category", default=None, help="Category code, e.g. HL; all categories if omitted.")
def list_(category: str | None) -> None:
    """List papers, newest first."""
    category_id = None
    if category:
        found = taxonomy.category_by_code(category)
        if found is None:
            click.echo(f"没有类别代码为“{category}”的类别", err=True)
            sys.exit(1)
        category_id = found.id
    for record in papers.list_papers(category_id):
        form = f" {record.form}卷" if record.form else ""
        click.echo(f"{record.id}\t{record.category.code}\t{record.title}{form}\t{len(record.entries)} 题")


@click.group()
def blueprint() -> None:
    """Blueprints (组卷方案): list, export, import."""


@blueprint.command("list")
def list_blueprints() -> None:
    """List stored blueprints with their ids."""
    for record in blueprints.list_blueprints():
        mark = "（默认）" if record.is_default else ""
        click.echo(f"{record.id}\t{record.category.code}\t{record.name}{mark}")


@blueprint.command("export")
@click.argument("blueprint_id", type=int)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False),
              help="blueprint.json, or blueprint.yaml / .yml for YAML.")
def export(blueprint_id: int, out: str) -> None:
    """Write a stored blueprint to a JSON or YAML file (by the file's extension)."""
    record = blueprints.get_blueprint(blueprint_id)
    if record is None:
        click.echo(f"没有编号为 {blueprint_id} 的组卷方案", err=True)
        sys.exit(1)
    fmt = "yaml" if os.path.splitext(out)[1].lower() in (".yaml", ".yml") else "json"
    data, _ = blueprints.export_blueprint(record, fmt)
    _write_atomically(out, data)
    click.echo(f"已导出组卷方案 {record.id}（{record.name}）到 {out}")


@blueprint.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def import_(file: str) -> None:
    """Store a blueprint file (JSON or YAML) under the file's name; prints the new id."""
    with open(file, "rb") as handle:
        data = handle.read()
    try:
        record = blueprints.import_blueprint(data, os.path.basename(file), None)
    except ProblemsError as error:
        _fail(error, "导入失败，未保存组卷方案")
    click.echo(record.id)


def _paper(paper_id: int):
    record = papers.get_paper(paper_id)
    if record is None:
        click.echo(f"没有编号为 {paper_id} 的试卷", err=True)
        sys.exit(1)
    return record


def _fail(error: ProblemsError, summary: str) -> None:
    for problem in error.problems:
        click.echo(problem_text(problem), err=True)
    click.echo(summary, err=True)
    sys.exit(1)


def _write_atomically(path: str, data: bytes) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".pdf-")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
