"""Blueprints and papers through the services: assembly is reproducible and all or nothing,
papers keep the item versions they were made from, exclusions, fixed papers, statistics and PDFs."""
import dataclasses
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from exam_server.extensions import db
from exam_server.models import Blueprint, Item, Paper
from exam_server.services import banks, blueprints, papers, taxonomy
from exam_server.services.demo import load_demo
from exam_server.services.errors import ProblemsError
from exam_server.services.items import ItemDraft, to_domain, update_item
from question_bank.formats.native import Bank, CategoryNode, SubjectNode
from question_bank.model import Item as DomainItem
from question_bank.model import Option

HL_SUBJECTS = ("基础护理", "内科护理", "外科护理", "健康评估")


def hl_items(singles=120, truefalse=20):
    """A generated 护理 bank: ``singles`` 单选 spread over four subjects and three levels, and some 判断."""
    items = []
    for n in range(singles):
        items.append(DomainItem(
            type="single", uid=f"hl-{n:04d}", category="HL", subject=HL_SUBJECTS[n % 4],
            knowledge_points=(f"知识点{n % 7}",), stem=f"<p>护理单选题第 {n} 题（　）。</p>",
            options=tuple(Option(k, f"<p>选项{k}{n}</p>") for k in "ABCD"), answer="ABCD"[n % 4],
            difficulty=round(0.3 + 0.55 * ((n * 37) % 100) / 100, 2), points=3, status="published"))
    for n in range(truefalse):
        items.append(DomainItem(type="truefalse", uid=f"hl-tf-{n:03d}", category="HL", subject="基础护理",
                                stem=f"<p>护理判断题第 {n} 题。</p>", answer=n % 2 == 0, difficulty=0.7,
                                points=2, status="published"))
    return items


def import_items(items):
    nodes = [CategoryNode("HL", "护理专业", tuple(SubjectNode(s) for s in HL_SUBJECTS))]
    banks.import_bank(Bank(nodes, list(items)))


@pytest.fixture
def hl_bank(app):
    import_items(hl_items())
    return taxonomy.category_by_code("HL")


def spec(category="HL", sections=None, **fields):
    document = {"format": "hbjn-exam-blueprint", "version": 1, "title": "护理模拟试卷", "category": category,
                "minutes": 50, "sections": sections or [{"type": "single", "count": 20, "points_each": 3}]}
    document.update(fields)
    return document


def uids(paper):
    return [item.uid for item in papers.paper_to_domain(paper).items]


def paper_count():
    return db.session.scalar(select(func.count(Paper.id)))


# ---------------------------------------------------------------- blueprints

def test_default_blueprints_follow_the_real_shapes_and_are_added_once(app):
    assert blueprints.ensure_default_blueprints() == 10
    assert blueprints.ensure_default_blueprints() == 0
    hl = blueprints.get_default(taxonomy.category_by_code("HL"))
    assert hl.name == "护理专业 默认组卷方案" and hl.is_default
    assert hl.spec["title"].endswith("年湖北省技能高考 护理专业 专业知识 模拟试卷")
    assert [(s["type"], s["count"], s["points_each"]) for s in hl.spec["sections"]] == [("single", 50, 3)]
    xq = blueprints.to_domain(blueprints.get_default(taxonomy.category_by_code("XQ")))
    assert xq.total_points == 150 and sum(s.count for s in xq.sections) == 75
    assert all(blueprints.to_domain(b).total_points == 150 for b in blueprints.list_blueprints())


def test_a_blueprint_naming_an_unknown_subject_is_refused_with_its_place(app, teacher):
    hl = taxonomy.category_by_code("HL")
    bad = spec(constraints=[{"subject": "儿科护理", "minimum": 2}], minutes=0)
    with pytest.raises(ProblemsError) as error:
        blueprints.create_blueprint("我的方案", hl, bad, teacher)
    assert [p.where for p in error.value.problems] == ["minutes"]
    with pytest.raises(ProblemsError) as error:
        blueprints.create_blueprint("我的方案", hl, spec(constraints=[{"subject": "儿科护理", "minimum": 2}]), teacher)
    assert [(p.where, p.message) for p in error.value.problems] == [
        ("constraints[0].subject", "护理专业 没有科目“儿科护理”")]
    assert db.session.scalar(select(func.count(Blueprint.id))) == 0


def test_export_then_import_keeps_the_blueprint_and_its_name(app, teacher):
    hl = taxonomy.category_by_code("HL")
    document = spec(constraints=[{"subject": "基础护理", "minimum": 5}],
                    exclude={"used_in_last_papers": 2, "used_more_than": None, "uids": ["hl-0001"]})
    record = blueprints.create_blueprint("护理 一模方案", hl, document, teacher)
    for fmt in ("json", "yaml"):
        data, filename = blueprints.export_blueprint(record, fmt)
        assert filename == f"护理_一模方案.{fmt}"
        copy = blueprints.import_blueprint(data, filename, teacher)
        assert (copy.name, copy.spec, copy.category_id) == ("护理_一模方案", record.spec, hl.id)
    assert record.spec["exclude"]["used_in_last_papers"] == 2


def test_importing_a_bad_file_names_the_file_and_the_place(app, teacher):
    with pytest.raises(ProblemsError) as error:
        blueprints.import_blueprint(b"title: x\nsections: [\n", "坏方案.yaml", teacher)
    assert error.value.problems[0].where.startswith("坏方案.yaml:3:")
    with pytest.raises(ProblemsError) as error:
        blueprints.import_blueprint(b'{"title": "x", "category": "HL", "sections": []}', "a.json", teacher)
    assert [p.where for p in error.value.problems] == ["a.json: sections"]


def test_deleting_a_blueprint_keeps_its_papers(hl_bank, teacher):
    record = blueprints.create_blueprint("方案", hl_bank, spec(), teacher)
    [paper] = papers.assemble_papers(record, seed=1)
    blueprints.delete_blueprint(record)
    db.session.expire_all()
    assert paper.blueprint_id is None and len(uids(paper)) == 20


# ---------------------------------------------------------------- assembly

def test_the_same_seed_gives_the_same_paper_and_another_seed_another(hl_bank):
    default = blueprints.get_default(hl_bank)
    first, = papers.assemble_papers(default, seed=7)
    second, = papers.assemble_papers(default, seed=7)
    other, = papers.assemble_papers(default, seed=8)
    assert uids(first) == uids(second) and len(uids(first)) == 50
    assert uids(other) != uids(first)
    assert (first.kind, first.form, first.seed, first.blueprint_id) == ("assembled", "", 7, default.id)
    assert first.title == default.spec["title"]


def test_two_forms_share_no_item_and_their_difficulty_is_within_005(hl_bank):
    a, b = papers.assemble_papers(blueprints.get_default(hl_bank), seed=3, forms=2)
    assert (a.form, b.form) == ("A", "B") and a.form_group == b.form_group
    assert not set(uids(a)) & set(uids(b))
    means = [papers.paper_to_domain(p).mean_difficulty for p in (a, b)]
    assert abs(means[0] - means[1]) <= 0.05 + 1e-9


def test_an_infeasible_blueprint_names_the_shortage_and_stores_nothing(hl_bank):
    with pytest.raises(ProblemsError) as error:
        papers.assemble_papers(spec(sections=[{"type": "single", "count": 500, "points_each": 1}]), seed=1)
    assert [str(p) for p in error.value.problems] == ["sections[0]: 护理专业 / 单选 需要 500 题，题库仅有 120 题可用"]
    assert paper_count() == 0


def test_a_paper_keeps_the_item_version_it_was_made_from(hl_bank):
    [paper] = papers.assemble_papers(spec(pinned=["hl-0001"]), seed=5)
    old = next(i for i in papers.paper_to_domain(paper).items if i.uid == "hl-0001")
    changed = [dataclasses.replace(i, stem="<p>改过的题干（　）。</p>") if i.uid == "hl-0001" else i
               for i in hl_items()]
    import_items(changed)
    db.session.expire_all()
    item = db.session.scalar(select(Item).where(Item.uid == "hl-0001"))
    assert item.live.stem == "<p>改过的题干（　）。</p>" and item.live.number == 2
    again = next(i for i in papers.paper_to_domain(paper).items if i.uid == "hl-0001")
    assert (again.stem, again.version) == (old.stem, 1) and "第 1 题" in again.stem


def test_items_used_in_the_last_paper_or_too_often_are_excluded(hl_bank):
    [first] = papers.assemble_papers(spec(sections=[{"type": "single", "count": 60, "points_each": 1}]), seed=1)
    recent = spec(sections=[{"type": "single", "count": 60, "points_each": 1}],
                  exclude={"used_in_last_papers": 1, "uids": []})
    [second] = papers.assemble_papers(recent, seed=1)
    assert not set(uids(first)) & set(uids(second))
    with pytest.raises(ProblemsError) as error:  # every one of the 120 was used once now
        papers.assemble_papers(spec(exclude={"used_more_than": 0}), seed=2)
    assert "题库仅有 0 题可用" in str(error.value)
    [third] = papers.assemble_papers(spec(exclude={"used_more_than": 1}), seed=2)
    assert len(uids(third)) == 20


def test_a_fixed_paper_keeps_the_chosen_order_and_a_wrong_uid_is_named(hl_bank, teacher):
    sections = [{"type": "truefalse", "points_each": 2, "uids": ["hl-tf-003", "hl-tf-001"]},
                {"type": "single", "points_each": 3, "rule": "all_or_nothing", "instruction": "选一项",
                 "uids": ["hl-0002", "hl-tf-002", "hl-9999", "hl-0002"]}]
    with pytest.raises(ProblemsError) as error:
        papers.create_fixed_paper("随堂测验", hl_bank, 30, sections, teacher)
    assert [p.where for p in error.value.problems] == ["sections[1].uids[1]", "sections[1].uids[2]",
                                                       "sections[1].uids[3]"]
    assert "题库中没有试题 hl-9999" in str(error.value) and paper_count() == 0
    sections[1]["uids"] = ["hl-0002", "hl-0005"]
    paper = papers.create_fixed_paper("随堂测验", hl_bank, 30, sections, teacher)
    assert paper.kind == "fixed" and uids(paper) == ["hl-tf-003", "hl-tf-001", "hl-0002", "hl-0005"]
    shape = papers.paper_json(paper)
    ids = {i.uid: i.id for i in db.session.scalars(select(Item))}
    assert shape == {"id": paper.id, "title": "随堂测验", "total_points": 10, "sections": [
        {"type": "truefalse", "points_each": 2, "items": [ids["hl-tf-003"], ids["hl-tf-001"]]},
        {"type": "single", "points_each": 3, "items": [ids["hl-0002"], ids["hl-0005"]]}]}


def test_paper_stats_count_types_subjects_and_levels(hl_bank):
    [paper] = papers.assemble_papers(spec(sections=[{"type": "truefalse", "count": 4, "points_each": 2},
                                                    {"type": "single", "count": 8, "points_each": 3}]), seed=4)
    stats = papers.paper_stats(paper)
    assert (stats["items"], stats["total_points"]) == (12, 32)
    assert stats["by_type"] == [{"type": "truefalse", "count": 4, "points": 8},
                                {"type": "single", "count": 8, "points": 24}]
    assert sum(s["count"] for s in stats["by_subject"]) == 12 and sum(stats["by_level"].values()) == 12
    assert stats["by_level"]["easy"] >= 4 and 0 < stats["mean_difficulty"] < 1 and stats["knowledge_points"] >= 1


def test_render_pdf_gives_the_three_documents_with_the_title(hl_bank):
    [paper] = papers.assemble_papers(spec(title="护理专业 第一次模拟考试"), seed=2)
    for kind in ("paper", "answer-sheet", "key"):
        data = papers.render_pdf(paper, kind, "a4" if kind != "key" else "a3")
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
        assert data.startswith(b"%PDF") and "第一次模拟考试" in text.replace(" ", "")
    with pytest.raises(ProblemsError):
        papers.render_pdf(paper, "poster")


def test_papers_are_listed_newest_first_and_deleted_with_their_item_list(hl_bank):
    first, = papers.assemble_papers(spec(), seed=1)
    second, = papers.assemble_papers(spec(), seed=2)
    assert [p.id for p in papers.list_papers(hl_bank.id)] == [second.id, first.id]
    papers.delete_paper(first)
    assert [p.id for p in papers.list_papers()] == [second.id]


def test_the_demo_banks_give_reproducible_default_papers_and_disjoint_forms(app):
    load_demo()
    hl = blueprints.get_default(taxonomy.category_by_code("HL"))
    one, = papers.assemble_papers(hl, seed=7)
    two, = papers.assemble_papers(hl, seed=7)
    assert uids(one) == uids(two) and len(uids(one)) == 50
    for code in ("HL", "XQ", "JSJ"):
        a, b = papers.assemble_papers(blueprints.get_default(taxonomy.category_by_code(code)), seed=11, forms=2)
        assert not set(uids(a)) & set(uids(b))
        means = [papers.paper_to_domain(p).mean_difficulty for p in (a, b)]
        assert abs(means[0] - means[1]) <= 0.05 + 1e-9
        assert papers.paper_stats(a)["total_points"] == 150


def test_an_item_whose_edit_awaits_review_is_still_drawn_in_its_published_version(hl_bank, teacher):
    category = taxonomy.category_by_code("HL")
    before, _ = papers.published_bank(category)
    item = db.session.scalar(select(Item).where(Item.uid == before[0].uid))
    live = to_domain(item, item.live)
    update_item(item, ItemDraft(type=live.type, stem="<p>修订中的题干</p>", subject_id=item.subject_id,
                                options=[{"id": o.id, "text": o.text} for o in live.options],
                                answer=live.answer, points=live.points), teacher)
    after, _ = papers.published_bank(category)
    assert [i.uid for i in after] == [i.uid for i in before]
    assert next(i for i in after if i.uid == item.uid).stem == live.stem
    stats = banks.bank_stats()
    assert next(c for c in stats["categories"] if c["code"] == "HL")["items"] == len(before)


def test_a_blueprint_file_naming_an_unknown_subject_is_refused_not_ignored(hl_bank):
    document = spec(constraints=[{"subject": "儿科护理X", "maximum": 0}])
    with pytest.raises(ProblemsError) as error:
        papers.assemble_papers(document, seed=1)
    assert [p.where for p in error.value.problems] == ["constraints[0].subject"]
    assert paper_count() == 0


def test_sibling_forms_are_the_forms_assembled_together_in_order(hl_bank):
    first = papers.assemble_papers(spec(), seed=1, forms=2)
    papers.assemble_papers(spec(), seed=2, forms=2)
    assert [(p.id, p.form) for p in papers.sibling_forms(first[1])] == [(first[0].id, "A"), (first[1].id, "B")]
    assert papers.paper_stats(papers.paper_to_domain(first[0])) == papers.paper_stats(first[0])
