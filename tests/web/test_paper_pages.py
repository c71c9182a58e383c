"""The paper pages: blueprints edited as a grid, import and export, assembly, preview, PDFs, fixed papers."""
import io
import json
import re

import pytest
import yaml
from sqlalchemy import func, select

from exam_server.extensions import db
from exam_server.models import Blueprint, Paper
from exam_server.services import banks
from exam_server.services.taxonomy import category_by_code
from question_bank.formats.native import Bank, CategoryNode, SubjectNode
from question_bank.model import Item, Option

SINGLES, TRUEFALSE = 12, 8


@pytest.fixture
def bank(app):
    """A small published 计算机类 bank: 12 single-choice items on Excel, 8 true/false on Word."""
    items = [Item(type="single", uid=f"jsj-s{n:02d}", category="JSJ", subject="Excel",
                  knowledge_points=("函数",), stem=f"<p>单选题 {n} 的题干（　）。</p>",
                  options=tuple(Option(k, f"<p>选项{k}{n}</p>") for k in "ABCD"), answer="ABCD"[n % 4],
                  difficulty=(0.8, 0.6, 0.35)[n % 3], points=3, status="published")
             for n in range(1, SINGLES + 1)]
    items += [Item(type="truefalse", uid=f"jsj-t{n:02d}", category="JSJ", subject="Word",
                   stem=f"<p>判断题 {n} 的题干。</p>", answer=n % 2 == 0, difficulty=0.7, points=2,
                   status="published") for n in range(1, TRUEFALSE + 1)]
    taxonomy = [CategoryNode("JSJ", "计算机类", (SubjectNode("Excel", ("函数",)), SubjectNode("Word")))]
    banks.import_bank(Bank(taxonomy=taxonomy, items=items))
    return category_by_code("JSJ")


def text_of(response):
    return response.get_data(as_text=True)


def count(model):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def grid_form(name="计算机类 小测验", sections=(("truefalse", "4", "2"), ("single", "5", "3")), **extra):
    """What the grid posts: filled section rows and a spare empty one, one constraint row."""
    data = {"name": name, "title": "计算机类 单元小测验", "minutes": "30", "difficulty_mode": "none",
            "tolerance": "0.05", "save": "保存方案"}
    rows = list(sections) + [("", "", "")]
    for i, (kind, number, points) in enumerate(rows):
        data.update({f"sections-{i}-type": kind, f"sections-{i}-count": number,
                     f"sections-{i}-points_each": points, f"sections-{i}-rule": "all_or_nothing",
                     f"sections-{i}-instruction": ""})
    data.update({"constraints-0-subject": "Excel", "constraints-0-knowledge_point": "",
                 "constraints-0-type": "single", "constraints-0-level": "", "constraints-0-minimum": "2"})
    data.update(extra)
    return data


def make_blueprint(client, category, **kw):
    response = client.post(f"/papers/blueprints/new?category={category.id}", data=grid_form(**kw))
    assert response.status_code == 302, text_of(response)
    return db.session.scalars(select(Blueprint).order_by(Blueprint.id.desc())).first()


def row_html(page, row_id):
    return re.search(rf'<tr[^>]*id="{row_id}".*?</tr>', page, re.S).group(0)


# ---------------------------------------------------------------- access

def test_a_student_gets_403_on_every_paper_page(client, auth, student, bank):
    blueprint = Blueprint(name="b", category=bank, spec={}, is_default=False)
    paper = Paper(title="t", category=bank, form_group="g", minutes=30, sections=[])
    db.session.add_all([blueprint, paper])
    db.session.commit()
    auth.login("s001")
    pages = ["/papers/", "/papers/blueprints", f"/papers/blueprints/new?category={bank.id}",
             f"/papers/blueprints/{blueprint.id}/edit", f"/papers/blueprints/{blueprint.id}/assemble",
             f"/papers/blueprints/{blueprint.id}/export/json", f"/papers/{paper.id}",
             f"/papers/{paper.id}/pdf/paper", f"/papers/fixed/new?category={bank.id}"]
    for url in pages:
        assert client.get(url).status_code == 403, url
    posts = ["/papers/blueprints/import", f"/papers/blueprints/{blueprint.id}/delete",
             f"/papers/blueprints/{blueprint.id}/assemble", f"/papers/{paper.id}/delete"]
    for url in posts:
        assert client.post(url).status_code == 403, url
    assert count(Blueprint) == 1 and count(Paper) == 1


def test_the_nav_links_to_the_paper_pages_for_teachers(client, auth, teacher):
    auth.login("teacher1")
    page = text_of(client.get("/papers/blueprints"))
    assert 'href="/papers/blueprints">组卷</a>' in page


# ---------------------------------------------------------------- the blueprint grid

def test_the_new_grid_starts_from_the_category_default_with_spare_rows(client, auth, teacher, bank):
    auth.login("teacher1")
    page = text_of(client.get(f"/papers/blueprints/new?category={bank.id}"))
    assert 'id="section-row-0"' in page and 'id="section-row-5"' in page  # 3 default sections + 3 spare
    assert 'id="total-items">55<' in page and 'id="total-points">150<' in page
    assert '<optgroup label="Excel">' in page and 'value="函数"' in page


def test_teacher_creates_a_blueprint_through_the_grid_and_finds_it_in_the_list(client, auth, teacher, bank):
    auth.login("teacher1")
    record = make_blueprint(client, bank)
    assert record.name == "计算机类 小测验" and record.category_id == bank.id and not record.is_default
    assert [(s["type"], s["count"], s["points_each"]) for s in record.spec["sections"]] == [
        ("truefalse", 4, 2), ("single", 5, 3)]
    assert record.spec["constraints"][0]["subject"] == "Excel"
    assert record.spec["constraints"][0]["minimum"] == 2
    listing = text_of(client.get("/papers/blueprints"))
    assert "计算机类 小测验" in listing and f"/papers/blueprints/{record.id}/edit" in listing
    edit = text_of(client.get(f"/papers/blueprints/{record.id}/edit"))
    assert 'id="total-items">9<' in edit and 'id="total-points">23<' in edit


def test_a_bad_row_shows_its_error_at_that_row_and_saves_nothing(client, auth, teacher, bank):
    auth.login("teacher1")
    response = client.post(f"/papers/blueprints/new?category={bank.id}",
                           data=grid_form(sections=(("truefalse", "4", "2"), ("single", "0", "3"))))
    assert response.status_code == 200
    page = text_of(response)
    assert "题数须为不小于 1 的整数" in row_html(page, "section-row-1")
    assert "题数须为不小于 1 的整数" not in row_html(page, "section-row-0")
    assert count(Blueprint) == 0


def test_a_bad_constraint_row_and_a_bad_number_are_shown_where_typed(client, auth, teacher, bank):
    auth.login("teacher1")
    page = text_of(client.post(f"/papers/blueprints/new?category={bank.id}",
                               data=grid_form(**{"constraints-0-subject": "Word", "constraints-0-minimum": "",
                                                 "constraints-0-knowledge_point": "函数"})))
    assert "须填写 exact（恰好）、minimum（至少）或 maximum（至多）之一" in row_html(page, "constraint-row-0")
    page = text_of(client.post(f"/papers/blueprints/new?category={bank.id}",
                               data=grid_form(**{"sections-0-count": "四"})))
    assert "请输入整数" in row_html(page, "section-row-0")
    assert count(Blueprint) == 0


def test_editing_a_blueprint_changes_it(client, auth, teacher, bank):
    auth.login("teacher1")
    record = make_blueprint(client, bank)
    response = client.post(f"/papers/blueprints/{record.id}/edit",
                           data=grid_form(name="改过的方案", sections=(("single", "6", "3"),),
                                          difficulty_mode="mean", mean="0.6", tolerance="0.1"))
    assert response.status_code == 302
    db.session.expire_all()
    assert record.name == "改过的方案" and record.spec["sections"][0]["count"] == 6
    assert record.spec["difficulty"] == {"mean": 0.6, "tolerance": 0.1}


def test_export_json_and_yaml_and_import_again(client, auth, teacher, bank):
    auth.login("teacher1")
    record = make_blueprint(client, bank)
    exported = {}
    for fmt, load in (("json", json.loads), ("yaml", yaml.safe_load)):
        response = client.get(f"/papers/blueprints/{record.id}/export/{fmt}")
        assert response.status_code == 200
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment;") and "filename*=UTF-8''" in disposition
        exported[fmt] = response.data
        assert load(response.data)["sections"] == record.spec["sections"]
    response = client.post("/papers/blueprints/import", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(exported["yaml"]), "第二份方案.yaml")})
    assert response.status_code == 302
    assert "已导入组卷方案" in text_of(client.get("/papers/blueprints"))
    copy = db.session.scalars(select(Blueprint).where(Blueprint.name == "第二份方案")).one()
    assert copy.spec["sections"] == record.spec["sections"] and copy.category_id == bank.id


def test_importing_a_broken_file_names_the_line_and_stores_nothing(client, auth, teacher, bank):
    auth.login("teacher1")
    client.post("/papers/blueprints/import", content_type="multipart/form-data",
                data={"file": (io.BytesIO(b'{"format": "hbjn-exam-blueprint",\n "version": }'), "bad.json")})
    page = text_of(client.get("/papers/blueprints"))
    assert "bad.json:2:" in page
    assert count(Blueprint) == 0


def test_deleting_a_blueprint(client, auth, teacher, bank):
    auth.login("teacher1")
    record = make_blueprint(client, bank)
    assert client.post(f"/papers/blueprints/{record.id}/delete").status_code == 302
    assert count(Blueprint) == 0


# ---------------------------------------------------------------- assembly, preview, PDFs

def test_assemble_two_forms_and_see_both_with_their_statistics(client, auth, teacher, bank):
    auth.login("teacher1")
    record = make_blueprint(client, bank)
    form_page = text_of(client.get(f"/papers/blueprints/{record.id}/assemble"))
    assert re.search(r'name="seed"[^>]*value="\d+"', form_page)
    response = client.post(f"/papers/blueprints/{record.id}/assemble",
                           data={"seed": "7", "forms": "2", "max_shared": "0", "title": ""})
    assert response.status_code == 302
    made = db.session.scalars(select(Paper).order_by(Paper.id)).all()
    assert [p.form for p in made] == ["A", "B"] and made[0].form_group == made[1].form_group
    assert response.headers["Location"].endswith(f"/papers/{made[0].id}")
    for paper, other in ((made[0], made[1]), (made[1], made[0])):
        page = text_of(client.get(f"/papers/{paper.id}"))
        assert 'id="stat-items">9<' in page and 'id="stat-points">23<' in page
        assert "一、判断题（本大题共 4 小题，每小题 2 分，共 8 分）" in page
        assert "二、单项选择题（本大题共 5 小题，每小题 3 分，共 15 分）" in page
        assert f'href="/papers/{other.id}"' in page and "Excel" in page
        assert page.count('class="item item-') == 9
    listing = text_of(client.get(f"/papers/?category={bank.id}"))
    assert listing.count("计算机类 单元小测验") == 2 and "张老师" in listing
    assert "计算机类 单元小测验" not in text_of(client.get(f"/papers/?category={category_by_code('HL').id}"))


def test_an_infeasible_blueprint_shows_the_shortage_and_creates_no_paper(client, auth, teacher, bank):
    auth.login("teacher1")
    record = make_blueprint(client, bank, sections=(("single", "10", "3"),),
                            **{"constraints-0-minimum": "", "constraints-0-exact": "10",
                               "constraints-0-knowledge_point": ""})
    response = client.post(f"/papers/blueprints/{record.id}/assemble",
                           data={"seed": "1", "forms": "2", "max_shared": "0"})
    assert response.status_code == 200
    page = text_of(response)
    assert "题库中的试题不足以满足方案" in page
    assert "计算机类 / Excel / 单选 需要 20 题（2 套试卷），题库仅有 12 题可用" in page
    assert count(Paper) == 0


def test_the_three_pdfs_download_with_chinese_names(client, auth, teacher, bank):
    auth.login("teacher1")
    record = make_blueprint(client, bank)
    client.post(f"/papers/blueprints/{record.id}/assemble", data={"seed": "3", "forms": "1", "max_shared": "0"})
    paper = db.session.scalars(select(Paper)).one()
    for kind, layout, name in (("paper", "a4", "%E8%AF%95%E5%8D%B7"), ("paper", "a3", "A3"),
                               ("answer-sheet", "a4", "%E7%AD%94%E9%A2%98%E5%8D%A1"),
                               ("key", "a4", "%E5%8F%82%E8%80%83%E7%AD%94%E6%A1%88")):
        response = client.get(f"/papers/{paper.id}/pdf/{kind}?layout={layout}")
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert response.data.startswith(b"%PDF")
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith(f'attachment; filename="paper-{paper.id}-{kind}-{layout}.pdf"')
        assert "filename*=UTF-8''" in disposition and name in disposition
    assert client.get(f"/papers/{paper.id}/pdf/poster").status_code == 404


def test_deleting_a_paper(client, auth, teacher, bank):
    auth.login("teacher1")
    record = make_blueprint(client, bank)
    client.post(f"/papers/blueprints/{record.id}/assemble", data={"seed": "3", "forms": "1", "max_shared": "0"})
    paper = db.session.scalars(select(Paper)).one()
    assert client.post(f"/papers/{paper.id}/delete").status_code == 302
    assert count(Paper) == 0 and count(Blueprint) == 1


# ---------------------------------------------------------------- a paper picked by hand

def fixed_form(single_uids, truefalse_uids):
    return {"title": "手工小卷", "minutes": "20",
            "sections-0-type": "truefalse", "sections-0-points_each": "2", "sections-0-uids": truefalse_uids,
            "sections-1-type": "single", "sections-1-points_each": "3", "sections-1-uids": single_uids,
            "sections-2-type": "", "sections-2-points_each": "", "sections-2-uids": "", "save": "保存试卷"}


def test_a_fixed_paper_with_a_wrong_uid_names_its_section_and_line_and_saves_nothing(client, auth, teacher, bank):
    auth.login("teacher1")
    response = client.post(f"/papers/fixed/new?category={bank.id}",
                           data=fixed_form("jsj-s01\n\njsj-s02\njsj-nope\n", "jsj-t01\njsj-t02"))
    assert response.status_code == 200
    section = row_html(text_of(response), "fixed-section-1")
    assert "第 2 大题第 4 行" in section and "题库中没有试题 jsj-nope" in section
    assert count(Paper) == 0


def test_a_fixed_paper_is_saved_and_previewed(client, auth, teacher, bank):
    auth.login("teacher1")
    page = text_of(client.get(f"/papers/fixed/new?category={bank.id}"))
    assert f"/items/?category={bank.id}" in page
    response = client.post(f"/papers/fixed/new?category={bank.id}",
                           data=fixed_form("jsj-s01\njsj-s02\njsj-s03", "jsj-t01\njsj-t02"))
    assert response.status_code == 302
    paper = db.session.scalars(select(Paper)).one()
    assert paper.kind == "fixed" and len(paper.entries) == 5
    page = text_of(client.get(f"/papers/{paper.id}"))
    assert 'id="stat-points">13<' in page and "二、单项选择题（本大题共 3 小题，每小题 3 分，共 9 分）" in page
