"""``exam-server paper …`` and ``blueprint …``: assemble by category code or file, show, print; init adds defaults once."""
import json

from sqlalchemy import func, select

from exam_server.extensions import db
from exam_server.models import Blueprint, Paper

from .test_paper_service import hl_items, import_items


def count(model):
    db.session.remove()
    return db.session.scalar(select(func.count(model.id)))


def test_init_adds_one_default_blueprint_per_category_once(cli):
    first = cli("init")
    assert first.exit_code == 0, first.output
    assert "组卷方案：新增 10 个默认方案" in first.stdout
    assert count(Blueprint) == 10
    second = cli("init")
    assert "组卷方案：新增 0 个默认方案" in second.stdout and count(Blueprint) == 10


def test_assemble_by_category_code_prints_ids_and_show_json_gives_the_items(cli):
    import_items(hl_items())
    first = cli("paper", "assemble", "HL", "--seed", 7)
    assert first.exit_code == 0, first.output
    [paper_id] = first.stdout.split()
    shown = json.loads(cli("paper", "show", paper_id, "--json").stdout)
    assert set(shown) == {"id", "title", "total_points", "sections"} and shown["id"] == int(paper_id)
    assert shown["total_points"] == 150 and shown["title"].endswith("护理专业 专业知识 模拟试卷")
    [section] = shown["sections"]
    assert (section["type"], section["points_each"], len(section["items"])) == ("single", 3, 50)
    again = cli("paper", "assemble", "HL", "--seed", 7).stdout.split()
    assert json.loads(cli("paper", "show", again[0], "--json").stdout)["sections"] == shown["sections"]
    summary = cli("paper", "show", paper_id).stdout
    assert "50 题，满分 150 分" in summary and "单选" in summary


def test_two_forms_print_two_ids(cli):
    import_items(hl_items())
    result = cli("paper", "assemble", "HL", "--seed", 3, "--forms", 2)
    assert result.exit_code == 0, result.output
    ids = [int(i) for i in result.stdout.split()]
    db.session.remove()
    assert [db.session.get(Paper, i).form for i in ids] == ["A", "B"]


def test_an_infeasible_blueprint_file_exits_1_with_the_shortage_and_creates_nothing(cli, tmp_path):
    import_items(hl_items())
    path = tmp_path / "方案.yaml"
    path.write_text("title: 护理模拟\ncategory: HL\nminutes: 50\nsections:\n"
                    "  - {type: single, count: 500, points_each: 1}\n", encoding="utf-8")
    result = cli("paper", "assemble", path, "--seed", 1)
    assert result.exit_code == 1
    assert "sections[0]: 护理专业 / 单选 需要 500 题，题库仅有 120 题可用" in result.stderr
    assert "未生成任何试卷" in result.stderr and count(Paper) == 0


def test_a_bad_file_or_unknown_reference_exits_1_with_its_place(cli, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"title": "x",\n "category": "HL",, }', encoding="utf-8")
    result = cli("paper", "assemble", path, "--seed", 1)
    assert result.exit_code == 1 and "bad.json:2:19: JSON 语法错误" in result.stderr
    result = cli("paper", "assemble", "NOPE", "--seed", 1)
    assert result.exit_code == 1 and "NOPE" in result.stderr


def test_paper_pdf_writes_the_three_kinds(cli, tmp_path):
    import_items(hl_items())
    [paper_id] = cli("paper", "assemble", "HL", "--seed", 2).stdout.split()
    for kind, layout in (("paper", "a4"), ("answer-sheet", "a4"), ("key", "b4")):
        out = tmp_path / f"{kind}.pdf"
        result = cli("paper", "pdf", paper_id, "--kind", kind, "--layout", layout, "--out", out)
        assert result.exit_code == 0, result.output
        assert out.read_bytes().startswith(b"%PDF")
    assert cli("paper", "pdf", 999, "--out", tmp_path / "x.pdf").exit_code == 1


def test_blueprint_export_and_import_round_trip(cli, tmp_path):
    cli("init")
    db.session.remove()
    hl_id = db.session.scalar(select(Blueprint.id).join(Blueprint.category).where(Blueprint.is_default)
                              .where(Blueprint.name.startswith("护理")))
    out = tmp_path / "护理方案.yml"
    assert cli("blueprint", "export", hl_id, "--out", out).exit_code == 0
    result = cli("blueprint", "import", out)
    assert result.exit_code == 0, result.output
    db.session.remove()
    copy = db.session.get(Blueprint, int(result.stdout))
    original = db.session.get(Blueprint, hl_id)
    assert (copy.name, copy.spec, copy.is_default) == ("护理方案", original.spec, False)
