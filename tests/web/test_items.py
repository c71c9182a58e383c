"""The item pages: authoring through the form, the duplicate warning, preview, review, bulk actions."""
import io
import re

import pytest
from PIL import Image
from sqlalchemy import func, select

from exam_server.extensions import db
from exam_server.models import Item, ItemVersion, Media, Subject
from exam_server.services import items as item_service
from exam_server.services.items import ItemDraft
from exam_server.services.taxonomy import category_by_code, ensure_path

from ..conftest import PASSWORD

STEM = "<p>在 Excel 中，对 A1:A10 单元格区域求和应使用的函数是（　）。</p>"


def subject(code="JSJ", name="Excel"):
    return db.session.scalar(select(Subject).where(
        Subject.name == name, Subject.category_id == category_by_code(code).id))


def item_count():
    return db.session.scalar(select(func.count(Item.id)))


def single_choice_form(**overrides):
    """What the editor posts for a single-choice item."""
    excel = subject()
    data = {"type": "single", "category_id": excel.category_id, "subject_id": excel.id, "stem": STEM,
            "options-0-text": "<p>SUM</p>", "options-1-text": "<p>AVERAGE</p>",
            "options-2-text": "<p>MAX</p>", "options-3-text": "<p>COUNT</p>",
            "answer_single": "A", "explanation": "<p>SUM 函数用于求和。</p>", "level": "medium",
            "points": "2", "tags": "函数、Excel, 常考", "source": "2024 联考一模", "save": "保存"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def make_item(author, stem=STEM, **kw):
    fields = {"type": "single", "stem": stem, "subject_id": subject().id,
              "options": [{"id": k, "text": f"<p>选项{k}</p>"} for k in "ABCD"], "answer": "B", "points": 2}
    fields.update(kw)
    return item_service.create_item(ItemDraft(**fields), author)


def published_item(author, reviewer, **kw):
    item = make_item(author, **kw)
    item_service.submit_for_review(item, author)
    item_service.approve(item, reviewer)
    return item


def text_of(response):
    return response.get_data(as_text=True)


def login_with_token(client, username):
    """Log in while CSRF protection is on: take the token from the login page."""
    page = text_of(client.get("/login"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})


def fresh(item_id):
    db.session.expire_all()
    return db.session.get(Item, item_id)


# ---------------------------------------------------------------- creating and finding

def test_teacher_creates_an_item_through_the_form_and_finds_it_by_filters(client, auth, teacher):
    auth.login("teacher1")
    response = client.post("/items/new", data=single_choice_form())
    assert response.status_code == 302
    item = db.session.scalar(select(Item))
    assert response.headers["Location"].endswith(f"/items/{item.id}")
    assert item.status == "draft" and item.author_id == teacher.id and item.source == "2024 联考一模"
    assert item.latest.answer == "A" and [o["id"] for o in item.latest.options] == list("ABCD")
    assert item.latest.points == 2 and item.latest.difficulty == 0.6
    assert sorted(t.name for t in item.tags) == ["Excel", "函数", "常考"]

    excel = subject()
    found = text_of(client.get(f"/items/?category={excel.category_id}&subject={excel.id}"
                               "&type=single&level=medium&status=draft&tag=函数&q=求和"))
    assert item.uid[:8] in found and "求和应使用的函数" in found and "张老师" in found
    assert item.uid[:8] not in text_of(client.get("/items/?type=multiple"))
    assert item.uid[:8] not in text_of(client.get("/items/?level=hard"))
    assert item.uid[:8] in text_of(client.get(f"/items/?q={item.uid}"))


def test_single_choice_without_a_correct_answer_is_refused_in_chinese(client, auth, teacher):
    auth.login("teacher1")
    response = client.post("/items/new", data=single_choice_form(answer_single=None))
    assert response.status_code == 200
    assert "单选题必须恰好有一个正确答案，现有 0 个" in text_of(response)
    assert item_count() == 0
    # what the teacher typed is still there to fix
    assert "AVERAGE" in text_of(response)


def test_bad_shape_and_missing_subject_are_reported_and_nothing_saved(client, auth, teacher):
    auth.login("teacher1")
    page = text_of(client.post("/items/new", data=single_choice_form(points="两分", subject_id="", stem="")))
    assert "请输入数字" in page
    assert item_count() == 0
    page = text_of(client.post("/items/new", data=single_choice_form(subject_id="", stem="")))
    assert "请选择科目" in page and "题干不能为空" in page
    assert item_count() == 0


def test_empty_option_between_filled_ones_is_named(client, auth, teacher):
    auth.login("teacher1")
    page = text_of(client.post("/items/new", data=single_choice_form(**{"options-2-text": ""})))
    assert "选项 C 没有内容" in page
    assert item_count() == 0


@pytest.mark.parametrize("fields, check", [
    ({"type": "multiple", "answer_single": None, "options-0-correct": "y", "options-2-correct": "y",
      "options-3-pinned": "y"},
     lambda v: v.answer == ["A", "C"] and v.options[3]["pinned"] and not v.options[0]["pinned"]),
    ({"type": "truefalse", "answer_tf": "false", "stem": "<p>SUM 函数只能对一列求和。</p>"},
     lambda v: v.answer is False and v.options == []),
    ({"type": "blank", "answer_blanks": "SUM\n=SUM(A1:A10)|=sum(a1:a10)\n", "stem": "<p>求和函数是____。</p>"},
     lambda v: v.answer == [["SUM"], ["=SUM(A1:A10)", "=sum(a1:a10)"]] and v.options == []),
    ({"type": "short", "answer_text": "<p>使用 SUM 函数。</p>", "points": "5",
      "scoring-dummy": None, "scoring_points-0-text": "写出 SUM", "scoring_points-0-points": "3",
      "scoring_points-1-text": "写对区域", "scoring_points-1-points": "2", "stem": "<p>简述如何求和。</p>"},
     lambda v: v.scoring_points == [{"text": "写出 SUM", "points": 3.0}, {"text": "写对区域", "points": 2.0}]
     and v.answer == "<p>使用 SUM 函数。</p>"),
])
def test_every_item_type_is_saved_from_the_form_and_shown_again_for_editing(
        client, auth, teacher, fields, check):
    auth.login("teacher1")
    response = client.post("/items/new", data=single_choice_form(**fields))
    assert response.status_code == 302, text_of(response)
    item = db.session.scalar(select(Item))
    assert item.latest.type == fields["type"] and check(item.latest)
    edit_page = text_of(client.get(f"/items/{item.id}/edit"))
    assert f'<option selected value="{fields["type"]}">' in edit_page
    detail = client.get(f"/items/{item.id}")
    assert detail.status_code == 200 and f'class="item item-{fields["type"]} item-preview"' in text_of(detail)


def test_precise_facility_wins_over_the_level(client, auth, teacher):
    auth.login("teacher1")
    client.post("/items/new", data=single_choice_form(level="easy", facility="0.45"))
    item = db.session.scalar(select(Item))
    assert item.latest.difficulty == 0.45
    assert 'value="0.45"' in text_of(client.get(f"/items/{item.id}/edit"))
    page = text_of(client.post(f"/items/{item.id}/edit", data=single_choice_form(facility="1.5")))
    assert "难度系数必须在 0 到 1 之间" in page


def test_knowledge_points_are_saved_and_must_belong_to_the_subject(client, auth, teacher):
    _, _, [formula] = ensure_path("JSJ", None, "Excel", ("公式与函数",))
    _, _, [styles] = ensure_path("JSJ", None, "Word", ("样式",))
    db.session.commit()
    auth.login("teacher1")
    page = text_of(client.post("/items/new", data=single_choice_form(knowledge_point_ids=[styles.id])))
    assert "知识点必须属于所选科目" in page and item_count() == 0
    client.post("/items/new", data=single_choice_form(knowledge_point_ids=[formula.id]))
    item = db.session.scalar(select(Item))
    assert [p.name for p in item.knowledge_points] == ["公式与函数"]
    assert item.uid[:8] in text_of(client.get(f"/items/?point={formula.id}"))
    assert item.uid[:8] not in text_of(client.get(f"/items/?point={styles.id}"))


def test_script_in_stem_and_options_is_stripped(client, auth, teacher):
    auth.login("teacher1")
    client.post("/items/new", data=single_choice_form(
        stem='<p onclick="steal()">求和<script>alert("x")</script><img src="http://evil.example/a.png"></p>',
        **{"options-0-text": '<b>SUM</b><iframe src="http://evil.example"></iframe>'}))
    item = db.session.scalar(select(Item))
    assert item.latest.stem == "<p>求和</p>"
    assert item.latest.options[0]["text"] == "<b>SUM</b>"
    page = text_of(client.get(f"/items/{item.id}"))
    assert "<script" not in page and "evil.example" not in page and "steal()" not in page


def test_option_image_sent_with_the_form_is_stored(client, auth, teacher):
    """Without JavaScript the option's image file comes with the form itself."""
    auth.login("teacher1")
    png = io.BytesIO()
    Image.new("RGB", (30, 20), "red").save(png, "PNG")
    data = single_choice_form(**{"options-1-image_file": (io.BytesIO(png.getvalue()), "circuit.png")})
    response = client.post("/items/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    item = db.session.scalar(select(Item))
    name = item.latest.options[1]["image"]
    assert name and db.session.scalar(select(Media.name)) == name
    assert f"/media/{name}" in text_of(client.get(f"/items/{item.id}"))


# ---------------------------------------------------------------- near-duplicates

def test_near_duplicate_warning_blocks_saving_until_confirmed(client, auth, teacher, reviewer):
    existing = make_item(reviewer)
    auth.login("teacher1")
    almost = "<p>在Excel中，对A1:A10单元格区域求和应该使用的函数是（ ）。</p>"
    page = text_of(client.post("/items/new", data=single_choice_form(stem=almost)))
    assert "题库中已有相似的试题" in page and f"/items/{existing.id}" in page and "相似度" in page
    assert "我已确认这不是重复题" in page
    assert item_count() == 1
    response = client.post("/items/new", data=single_choice_form(stem=almost, confirm_not_duplicate="y"))
    assert response.status_code == 302
    assert item_count() == 2


def test_an_item_is_not_a_duplicate_of_itself_when_edited(client, auth, teacher):
    item = make_item(teacher)
    auth.login("teacher1")
    response = client.post(f"/items/{item.id}/edit", data=single_choice_form(points="3"))
    assert response.status_code == 302
    assert fresh(item.id).latest.points == 3


# ---------------------------------------------------------------- preview

def test_preview_renders_the_draft_without_the_answer_and_saves_nothing(client, auth, teacher):
    auth.login("teacher1")
    page = text_of(client.post("/items/preview", data=single_choice_form(
        type="blank", stem="<p>电流与电压成正比的定律是____。</p>", answer_blanks="欧姆定律|欧姆")))
    assert "电流与电压成正比的定律是" in page and 'class="blank-input"' in page
    assert "欧姆定律" not in page
    assert item_count() == 0
    page = text_of(client.post("/items/preview", data=single_choice_form()))
    assert "AVERAGE" in page and "checked" not in page and "SUM 函数用于求和" not in page


def test_preview_lists_problems_but_still_shows_the_draft(client, auth, teacher):
    auth.login("teacher1")
    page = text_of(client.post("/items/preview", data=single_choice_form(answer_single=None)))
    assert "单选题必须恰好有一个正确答案" in page and "AVERAGE" in page
    assert item_count() == 0
    page = text_of(client.post("/items/preview", data=single_choice_form(points="三")))
    assert "请输入数字" in page and "AVERAGE" in page
    assert item_count() == 0


def test_preview_button_on_the_save_url_previews_too(client, auth, teacher):
    """Browsers without ``formaction`` post the preview button to the form's own URL."""
    auth.login("teacher1")
    data = single_choice_form(preview="预览")
    del data["save"]
    page = text_of(client.post("/items/new", data=data))
    assert "预览（未保存）" in page and item_count() == 0


def test_detail_shows_preview_key_and_explanation_apart(client, auth, teacher):
    item = make_item(teacher, explanation="<p>B 才对。</p>")
    auth.login("teacher1")
    page = text_of(client.get(f"/items/{item.id}"))
    preview = page.split("学生看到的样子")[1].split("答案")[0]
    assert "选项B" in preview and "checked" not in preview and "B 才对" not in preview
    key = page.split('<div class="item-key">')[1].split("</div>")[0]
    assert "<strong>B</strong>" in key
    assert "B 才对。" in page


# ---------------------------------------------------------------- versions and review

def test_editing_a_published_item_makes_version_2_and_leaves_version_1_live(client, auth, teacher, reviewer):
    item = published_item(teacher, reviewer)
    v1_stem, v1_id = item.latest.stem, item.latest.id
    auth.login("teacher1")
    response = client.post(f"/items/{item.id}/edit", data=single_choice_form(
        stem="<p>在 Excel 中求 A1:A10 的平均值应使用的函数是（　）。</p>", answer_single="B"))
    assert response.status_code == 302
    item = fresh(item.id)
    assert item.latest_version == 2 and item.published_version == 1 and item.status == "draft"
    v1 = db.session.get(ItemVersion, v1_id)
    assert v1.stem == v1_stem and v1.answer == "B" and v1.number == 1
    assert "平均值" in item.latest.stem and item.latest.answer == "B"
    assert "有修订待审" in text_of(client.get("/items/"))
    page = text_of(client.get(f"/items/{item.id}?version=1"))
    assert "正在查看历史版本 v1" in page and "选项B" in page
    assert client.get(f"/items/{item.id}?version=9").status_code == 404


def test_the_author_cannot_approve_but_another_teacher_can(client, auth, teacher, reviewer):
    item = make_item(teacher)
    auth.login("teacher1")
    client.post(f"/items/{item.id}/submit")
    assert fresh(item.id).status == "review"
    assert item.uid[:8] not in text_of(client.get("/items/review"))
    page = text_of(client.post(f"/items/{item.id}/review", data={"approve": "通过"}, follow_redirects=True))
    assert "不能审核自己编写的试题" in page
    assert fresh(item.id).status == "review"
    auth.logout()

    auth.login("teacher2")
    assert item.uid[:8] in text_of(client.get("/items/review"))
    page = text_of(client.post(f"/items/{item.id}/review", data={"approve": "通过", "comment": "题目规范"},
                               follow_redirects=True))
    assert "审核通过" in page and "题目规范" in page and "李老师" in page
    item = fresh(item.id)
    assert item.status == "published" and item.published_version == 1
    assert [e.action for e in item.events] == ["created", "submitted", "approved"]


def test_rejecting_needs_a_reason_and_sends_the_item_back_to_draft(client, auth, teacher, reviewer):
    item = make_item(teacher)
    item_service.submit_for_review(item, teacher)
    auth.login("teacher2")
    page = text_of(client.post(f"/items/{item.id}/review", data={"reject": "退回"}, follow_redirects=True))
    assert "退回时请写明原因" in page and fresh(item.id).status == "review"
    client.post(f"/items/{item.id}/review", data={"reject": "退回", "comment": "选项 C 与 D 重复"})
    item = fresh(item.id)
    assert item.status == "draft" and item.events[-1].comment == "选项 C 与 D 重复"


def test_retire_and_restore_from_the_detail_page(client, auth, teacher, reviewer):
    item = published_item(teacher, reviewer)
    auth.login("teacher1")
    client.post(f"/items/{item.id}/retire")
    assert fresh(item.id).status == "retired"
    page = text_of(client.post(f"/items/{item.id}/edit", data=single_choice_form(), follow_redirects=True))
    assert "已停用的试题不能编辑" in page and fresh(item.id).latest_version == 1
    client.post(f"/items/{item.id}/restore")
    assert fresh(item.id).status == "published"


# ---------------------------------------------------------------- bulk actions

def test_bulk_retire_move_and_tag(client, auth, teacher):
    first, second, third = (make_item(teacher, stem=f"<p>第 {n} 题：{text}</p>") for n, text in
                            ((1, "单元格引用"), (2, "图表类型"), (3, "数据透视表")))
    word = subject(name="Word")
    _, _, [styles] = ensure_path("JSJ", None, "Word", ("样式",))
    db.session.commit()
    auth.login("teacher1")
    page = text_of(client.post("/items/bulk", data={"action": "retire", "item_ids": [first.id, second.id],
                                                    "next": "/items/?status=draft"}, follow_redirects=True))
    assert "已处理 2 道试题" in page
    assert [fresh(i.id).status for i in (first, second, third)] == ["retired", "retired", "draft"]

    client.post("/items/bulk", data={"action": "move", "item_ids": [second.id, third.id],
                                     "subject_id": word.id, "knowledge_point_ids": [styles.id]})
    for moved in (fresh(second.id), fresh(third.id)):
        assert moved.subject_id == word.id and [p.name for p in moved.knowledge_points] == ["样式"]
    assert fresh(first.id).subject.name == "Excel"

    client.post("/items/bulk", data={"action": "tag", "item_ids": [first.id, third.id], "tags": "易错，期末"})
    assert [t.name for t in fresh(third.id).tags] == ["易错", "期末"]
    assert fresh(second.id).tags == []


def test_bulk_errors_are_flashed_in_chinese_and_change_nothing(client, auth, teacher):
    item = make_item(teacher)
    _, _, [styles] = ensure_path("JSJ", None, "Word", ("样式",))
    db.session.commit()
    auth.login("teacher1")
    page = text_of(client.post("/items/bulk", data={"action": "retire"}, follow_redirects=True))
    assert "请先勾选要处理的试题" in page
    page = text_of(client.post("/items/bulk", data={"action": "move", "item_ids": [item.id]},
                               follow_redirects=True))
    assert "请选择目标科目" in page
    page = text_of(client.post("/items/bulk", data={
        "action": "move", "item_ids": [item.id], "subject_id": subject().id,
        "knowledge_point_ids": [styles.id]},
        follow_redirects=True))
    assert "知识点必须属于所选科目" in page
    page = text_of(client.post("/items/bulk", data={"action": "tag", "item_ids": [item.id], "tags": " 、 "},
                               follow_redirects=True))
    assert "请输入至少一个标签" in page
    item = fresh(item.id)
    assert item.status == "draft" and item.subject.name == "Excel" and item.tags == []
    assert [e.action for e in item.events] == ["created"]


def test_bulk_redirect_stays_on_the_item_pages(client, auth, teacher):
    item = make_item(teacher)
    auth.login("teacher1")
    response = client.post("/items/bulk", data={"action": "tag", "item_ids": [item.id], "tags": "x",
                                                "next": "https://evil.example/"})
    assert response.headers["Location"] == "/items/"


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_bulk_post_without_csrf_token_is_refused(client, teacher):
    item = make_item(teacher)
    login_with_token(client, "teacher1")
    response = client.post("/items/bulk", data={"action": "retire", "item_ids": [item.id]})
    assert response.status_code == 400
    assert fresh(item.id).status == "draft"
    page = text_of(client.get("/items/"))
    token = re.search(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/items/bulk", data={"action": "retire", "item_ids": [item.id], "csrf_token": token})
    assert fresh(item.id).status == "retired"


# ---------------------------------------------------------------- pages and roles

def test_list_paginates(app, client, auth, teacher):
    app.config["ITEMS_PER_PAGE"] = 2
    for n in range(3):
        make_item(teacher, stem=f"<p>分页测试题目第 {n} 道，内容各不相同：{'甲乙丙'[n] * 5}</p>")
    auth.login("teacher1")
    first = text_of(client.get("/items/"))
    assert "共 3 道试题" in first and first.count('name="item_ids"') == 2
    assert "第 1 页 / 共 2 页" in first and "下一页" in first
    second = text_of(client.get("/items/?page=2"))
    assert second.count('name="item_ids"') == 1 and "上一页" in second


def test_pages_render_for_a_teacher(client, auth, teacher, reviewer):
    item = published_item(teacher, reviewer)
    auth.login("teacher1")
    for url in ("/items/", "/items/review", "/items/new", f"/items/new?category={subject().category_id}",
                f"/items/{item.id}", f"/items/{item.id}/edit"):
        assert client.get(url).status_code == 200, url
    form = text_of(client.get(f"/items/new?category={subject().category_id}"))
    assert "Excel" in form and "RichEditor.configure" in form and "taxonomy-data" in form


ITEM_PAGES = [("get", "/items/"), ("get", "/items/review"), ("get", "/items/new"), ("post", "/items/new"),
              ("get", "/items/{id}"), ("get", "/items/{id}/edit"), ("post", "/items/{id}/edit"),
              ("post", "/items/preview"), ("post", "/items/bulk"), ("post", "/items/{id}/submit"),
              ("post", "/items/{id}/review"), ("post", "/items/{id}/retire"), ("post", "/items/{id}/restore")]


def test_a_student_gets_403_on_every_item_page(client, auth, teacher, student):
    item = make_item(teacher)
    auth.login("s001")
    for method, url in ITEM_PAGES:
        data = {"action": "retire", "item_ids": [item.id]} if method == "post" else None
        response = getattr(client, method)(url.format(id=item.id), data=data)
        assert response.status_code == 403, (method, url)
    assert fresh(item.id).status == "draft"


def test_anonymous_visitors_are_sent_to_log_in(client, teacher):
    item = make_item(teacher)
    for method, url in ITEM_PAGES:
        response = getattr(client, method)(url.format(id=item.id))
        assert response.status_code == 302 and "/login" in response.headers["Location"], (method, url)


def test_admin_may_author_items(client, auth, admin_user):
    auth.login("admin")
    assert client.post("/items/new", data=single_choice_form()).status_code == 302
    assert item_count() == 1
