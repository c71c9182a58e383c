"""The editor's "case-sensitive" box for fill-in-the-blank items: stored, shown again, ignored for other types."""
import re

from sqlalchemy import select

from exam_server.extensions import db
from exam_server.models import Item
from exam_server.services.items import to_domain
from question_bank.types import ITEM_TYPES

from .test_items import fresh, single_choice_form, text_of

BLANK = {"type": "blank", "answer_single": None, "stem": "<p>电流为 20____。</p>", "answer_blanks": "mA"}
BOX = re.compile(r'<input[^>]*name="case_sensitive"[^>]*>')


def box_on(page):
    """The editor's case-sensitive checkbox, and whether it is ticked."""
    found = BOX.findall(page)
    assert len(found) == 1, found
    return " checked" in found[0]


def test_the_box_sits_with_the_blank_answers_only(client, auth, teacher):
    auth.login("teacher1")
    page = text_of(client.get("/items/new"))
    blank_part = page[page.index('<div data-types="blank">'):page.index('<div data-types="short">')]
    assert BOX.search(blank_part) and "区分大小写（如单位 mA 与 MA）" in blank_part
    assert box_on(page) is False


def test_a_ticked_blank_item_is_stored_case_sensitive_and_grades_so(client, auth, teacher):
    auth.login("teacher1")
    response = client.post("/items/new", data=single_choice_form(**BLANK, case_sensitive="y"))
    assert response.status_code == 302, text_of(response)
    item = db.session.scalar(select(Item))
    assert item.latest.case_sensitive is True
    domain = to_domain(item)
    assert ITEM_TYPES["blank"].grade(domain, ["mA"]).correct is True
    assert ITEM_TYPES["blank"].grade(domain, ["MA"]).correct is False


def test_an_unticked_blank_item_ignores_case(client, auth, teacher):
    auth.login("teacher1")
    assert client.post("/items/new", data=single_choice_form(**BLANK)).status_code == 302
    item = db.session.scalar(select(Item))
    assert item.latest.case_sensitive is False
    assert ITEM_TYPES["blank"].grade(to_domain(item), ["MA"]).correct is True
    assert box_on(text_of(client.get(f"/items/{item.id}/edit"))) is False


def test_editing_shows_the_box_ticked_keeps_it_and_can_clear_it(client, auth, teacher):
    auth.login("teacher1")
    client.post("/items/new", data=single_choice_form(**BLANK, case_sensitive="y"))
    item_id = db.session.scalar(select(Item.id))
    assert box_on(text_of(client.get(f"/items/{item_id}/edit"))) is True

    response = client.post(f"/items/{item_id}/edit", data=single_choice_form(**BLANK, case_sensitive="y", points="4"))
    assert response.status_code == 302, text_of(response)
    item = fresh(item_id)
    assert item.latest.points == 4 and item.latest.case_sensitive is True

    response = client.post(f"/items/{item_id}/edit", data=single_choice_form(**BLANK, points="4"))
    assert response.status_code == 302, text_of(response)
    assert fresh(item_id).latest.case_sensitive is False


def test_the_box_is_ignored_for_a_single_choice_item(client, auth, teacher):
    auth.login("teacher1")
    response = client.post("/items/new", data=single_choice_form(case_sensitive="y"))
    assert response.status_code == 302, text_of(response)
    item = db.session.scalar(select(Item))
    assert item.latest.type == "single" and item.latest.case_sensitive is False
    assert box_on(text_of(client.get(f"/items/{item.id}/edit"))) is False
