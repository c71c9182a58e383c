"""In Chromium: the blueprint grid's rows, totals, narrowing and save, then assembly from it."""
from sqlalchemy import select

from exam_server.extensions import db
from exam_server.models import Blueprint, Paper
from exam_server.services import banks
from exam_server.services.taxonomy import category_by_code
from question_bank.formats.native import Bank, CategoryNode, SubjectNode
from question_bank.model import Item, Option

from ..conftest import PASSWORD


def _load_bank(app) -> int:
    items = [Item(type="single", uid=f"jsj-s{n:02d}", category="JSJ", subject="Excel",
                  knowledge_points=("函数",), stem=f"<p>单选题 {n}</p>",
                  options=tuple(Option(k, f"<p>{k}{n}</p>") for k in "ABCD"), answer="A", points=3,
                  status="published") for n in range(1, 13)]
    taxonomy = [CategoryNode("JSJ", "计算机类", (SubjectNode("Excel", ("函数", "图表")),
                                                 SubjectNode("Word", ("排版",))))]
    with app.app_context():
        banks.import_bank(Bank(taxonomy=taxonomy, items=items))
        category_id = category_by_code("JSJ").id
        db.session.remove()
    return category_id


def test_teacher_edits_a_blueprint_grid_and_assembles_from_it(live_app, live_server, make_account, page):
    category_id = _load_bank(live_app)
    make_account("t1", name="张老师")
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: dialog.accept())  # "remove this row?"
    page.goto(live_server + "/login")
    page.fill("#username", "t1")
    page.fill("#password", PASSWORD)
    page.click("#submit")
    page.goto(live_server + f"/papers/blueprints/new?category={category_id}")

    # the default 计算机类 shape: 20 判断 × 2 + 30 单选 × 3 + 5 多选 × 4
    assert (page.inner_text("#total-items"), page.inner_text("#total-points")) == ("55", "150")
    assert not page.locator("#section-row-0 .rule-box").is_visible()
    assert page.locator("#section-row-2 .rule-box").is_visible()

    page.fill("#name", "浏览器方案")
    page.locator("#section-row-2 .remove-row").click()
    page.locator("#section-row-0 .remove-row").click()
    page.fill("#sections-0-count", "5")
    page.keyboard.press("Tab")
    assert (page.inner_text("#total-items"), page.inner_text("#total-points")) == ("5", "15")

    page.select_option("#constraints-0-subject", "Word")
    assert "函数" not in page.locator("#constraints-0-knowledge_point option").all_inner_texts()
    page.select_option("#constraints-0-subject", "Excel")
    page.select_option("#constraints-0-knowledge_point", "函数")
    page.fill("#constraints-0-minimum", "2")
    page.check("input.difficulty-mode[value='mean']")
    assert page.locator(".difficulty-part[data-mode='mean']").is_visible()
    assert not page.locator(".difficulty-part[data-mode='counts']").is_visible()
    page.fill("#mean", "0.6")
    page.click("#save")
    page.wait_for_load_state()

    with live_app.app_context():
        record = db.session.scalar(select(Blueprint).where(Blueprint.name == "浏览器方案"))
        spec = record.spec
        blueprint_id = record.id
        db.session.remove()
    assert [(s["type"], s["count"], s["points_each"]) for s in spec["sections"]] == [("single", 5, 3)]
    assert spec["constraints"][0]["subject"] == "Excel" and spec["constraints"][0]["minimum"] == 2
    assert spec["difficulty"]["mean"] == 0.6

    page.goto(live_server + f"/papers/blueprints/{blueprint_id}/assemble")
    page.click("#submit")
    page.wait_for_url(live_server + "/papers/*")
    with live_app.app_context():
        sizes = [len(paper.entries) for paper in db.session.scalars(select(Paper))]
        db.session.remove()
    assert sizes == [5]
    assert "单选题" in page.content()
    assert errors == []
