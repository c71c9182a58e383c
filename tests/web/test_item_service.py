"""The items service: versions, the second-teacher review, bulk actions and search."""
import pytest
from sqlalchemy import func, select

from exam_server.extensions import db
from exam_server.models import Item, ItemVersion, Subject
from exam_server.services import items as item_service
from exam_server.services.errors import ProblemsError, ServiceError
from exam_server.services.items import ItemDraft, ItemFilter
from exam_server.services.taxonomy import category_by_code, ensure_path

OPTIONS = [{"id": k, "text": f"<p>选项{k}</p>"} for k in "ABCD"]


def subject(code="JSJ", name="Excel"):
    return db.session.scalar(select(Subject).where(Subject.name == name,
                                                   Subject.category_id == category_by_code(code).id))


def draft(**kw):
    fields = {"type": "single", "stem": "<p>Excel 中求和的函数是（　）。</p>", "subject_id": subject().id,
              "options": [dict(o) for o in OPTIONS], "answer": "A", "explanation": "<p>SUM 求和。</p>",
              "points": 2}
    fields.update(kw)
    return ItemDraft(**fields)


def publish(item, reviewer, author):
    item_service.submit_for_review(item, author)
    item_service.approve(item, reviewer)


def test_a_bad_draft_reports_every_field_and_saves_nothing(teacher):
    with pytest.raises(ProblemsError) as error:
        item_service.create_item(draft(answer=None, stem="", points=-1), teacher)
    assert {p.where for p in error.value.problems} == {"stem", "answer", "points"}
    assert db.session.scalar(select(func.count(Item.id))) == 0


def test_knowledge_points_must_belong_to_the_subject(teacher):
    _, _, [other_point] = ensure_path("JSJ", None, "Word", ("样式",))
    with pytest.raises(ProblemsError) as error:
        item_service.create_item(draft(knowledge_point_ids=[other_point.id]), teacher)
    assert error.value.problems[0].where == "knowledge_point_ids"


def test_rich_text_is_sanitised_on_save(teacher):
    item = item_service.create_item(draft(stem="<p>求和<script>alert(1)</script></p>"), teacher)
    assert item.latest.stem == "<p>求和</p>" and item.latest.stem_text == "求和"


def test_the_author_cannot_approve_but_a_second_teacher_can(teacher, reviewer):
    item = item_service.create_item(draft(), teacher)
    item_service.submit_for_review(item, teacher)
    with pytest.raises(ServiceError, match="不能审核自己"):
        item_service.approve(item, teacher)
    assert item.status == "review"
    item_service.approve(item, reviewer, "好题")
    assert item.status == "published" and item.published_version == 1
    assert [e.action for e in item.events] == ["created", "submitted", "approved"]


def test_rejection_needs_a_reason_and_returns_the_item_to_draft(teacher, reviewer):
    item = item_service.create_item(draft(), teacher)
    item_service.submit_for_review(item, teacher)
    with pytest.raises(ServiceError):
        item_service.reject(item, reviewer, " ")
    item_service.reject(item, reviewer, "选项 C 有歧义")
    assert item.status == "draft" and item.events[-1].comment == "选项 C 有歧义"


def test_editing_a_published_item_makes_a_new_version_and_keeps_the_old_one_live(teacher, reviewer):
    item = item_service.create_item(draft(), teacher)
    publish(item, reviewer, teacher)
    item_service.update_item(item, draft(stem="<p>Excel 中用于求和的函数是（　）。</p>"), teacher)
    assert (item.latest_version, item.published_version, item.status) == (2, 1, "draft")
    assert item.live.stem == "<p>Excel 中求和的函数是（　）。</p>"
    assert item.has_pending_revision
    # a second edit of the unpublished revision changes it in place
    item_service.update_item(item, draft(stem="<p>Excel 求和函数是（　）。</p>"), teacher)
    assert db.session.scalar(select(func.count(ItemVersion.id))) == 2
    publish(item, reviewer, teacher)
    assert item.published_version == 2 and item.live.stem == "<p>Excel 求和函数是（　）。</p>"
    assert item.version(1).stem == "<p>Excel 中求和的函数是（　）。</p>"


def test_retired_items_cannot_be_edited_until_restored(teacher, reviewer):
    item = item_service.create_item(draft(), teacher)
    publish(item, reviewer, teacher)
    assert item_service.retire([item], teacher) == 1
    with pytest.raises(ServiceError):
        item_service.update_item(item, draft(), teacher)
    item_service.restore(item, teacher)
    assert item.status == "published"


def test_bulk_move_and_tag(teacher):
    first = item_service.create_item(draft(), teacher)
    second = item_service.create_item(draft(stem="<p>Excel 中求平均值的函数是（　）。</p>"), teacher)
    _, word, [styles] = ensure_path("JSJ", None, "Word", ("样式",))
    assert item_service.move([first, second], word, [styles], teacher) == 2
    assert first.subject.name == "Word" and [p.name for p in second.knowledge_points] == ["样式"]
    item_service.add_tags([first], ["期中", "期中", "高频"], teacher)
    assert [t.name for t in first.tags] == ["期中", "高频"]


def test_search_filters_by_type_level_status_text_and_tag(teacher):
    easy = item_service.create_item(draft(difficulty=0.85, tags=["基础"]), teacher)
    item_service.create_item(draft(type="truefalse", stem="<p>SUM 函数可以求平均值。</p>", options=[],
                                   answer=False, difficulty=0.3), teacher)

    def found(**kw):
        return [i.id for i in db.session.scalars(item_service.search(ItemFilter(**kw)))]

    assert found(type="single") == [easy.id]
    assert found(level="hard") != found(level="easy")
    assert found(level="easy") == [easy.id]
    assert found(text="求和", status="draft") == [easy.id]
    assert found(tag="基础") == [easy.id]
    assert found(category_id=category_by_code("HL").id) == []


def test_similar_stems_in_the_category_are_found(teacher):
    item = item_service.create_item(draft(), teacher)
    similar = item_service.similar_items(item.category_id, "<p>Excel中，求和的函数是（ ）</p>")
    assert [i.id for i, _ in similar] == [item.id]
    assert item_service.similar_items(item.category_id, "<p>Excel中，求和的函数是</p>", item.id) == []
    assert item_service.similar_items(category_by_code("HL").id, "<p>Excel 中求和的函数是</p>") == []


def test_a_teacher_who_edited_the_version_under_review_cannot_approve_it(teacher, reviewer):
    item = item_service.create_item(draft(), teacher)
    item_service.update_item(item, draft(explanation="<p>SUM 对区域求和。</p>"), reviewer)
    item_service.submit_for_review(item, teacher)
    assert item.id not in [i.id for i in db.session.scalars(item_service.review_queue(teacher))]
    with pytest.raises(ServiceError, match="不能审核自己"):
        item_service.approve(item, teacher)
    with pytest.raises(ServiceError, match="不能审核自己"):
        item_service.approve(item, reviewer)
    assert item.status == "review"


def test_a_pending_revision_keeps_the_published_version_live(teacher, reviewer):
    item = item_service.create_item(draft(), teacher)
    publish(item, reviewer, teacher)
    item_service.update_item(item, draft(stem="<p>改过的题干（　）。</p>"), teacher)
    assert item.status == "draft" and item.is_live
    assert item.id in [i.id for i in db.session.scalars(select(Item).where(Item.live_clause()))]
    item_service.retire([item], teacher)
    assert not item.is_live
