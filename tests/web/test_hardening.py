"""Hostile or broken input gets a clear answer, never a 500 or a redirect to another host."""
import pytest

from exam_server.extensions import db
from exam_server.models import User
from exam_server.services.errors import ProblemsError
from question_bank.formats.blueprint import read_blueprint
from question_bank.formats.native import read_bank

from ..conftest import PASSWORD
from .test_item_service import draft
from exam_server.services import items as item_service

BIG = "99999999999999999999999"
LONG_CHINESE = "密" * 25  # 75 bytes: more than bcrypt reads


@pytest.mark.parametrize("target", ["/%09/evil.example", "//evil.example", "/\\evil.example",
                                    "http://evil.example/", "/%0A/evil.example"])
def test_login_never_redirects_to_another_host(client, student, target):
    response = client.post(f"/login?next={target}", data={"username": "s001", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_a_local_next_is_kept(client, student):
    response = client.post("/login?next=/password", data={"username": "s001", "password": PASSWORD})
    assert response.headers["Location"] == "/password"


def test_an_over_long_password_is_refused_the_same_way_for_any_username(client, auth, student):
    for username in ("s001", "nobody"):
        response = client.post("/login", data={"username": username, "password": LONG_CHINESE})
        assert response.status_code == 200 and "用户名或密码错误" in response.get_data(as_text=True)


def test_an_over_long_new_password_gets_a_clear_message(client, auth, student):
    auth.login("s001")
    response = client.post("/password", data={"current": PASSWORD, "new": LONG_CHINESE,
                                              "confirm": LONG_CHINESE})
    assert "密码过长" in response.get_data(as_text=True)
    assert db.session.get(User, student.id).must_change_password is False


@pytest.mark.parametrize("path, status", [
    (f"/items/{BIG}", 404), (f"/admin/users/{BIG}", 404), (f"/items/?page={BIG}", 200),
    (f"/items/?category={BIG}", 200), (f"/items/new?category={BIG}", 200),
    (f"/papers/?category={BIG}", 200), (f"/admin/users?school={BIG}", 200),
])
def test_numbers_no_database_can_hold_are_answered_not_crashed_on(client, auth, admin_user, path, status):
    auth.login("admin")
    assert client.get(path).status_code == status


def test_nul_bytes_are_refused_up_front(client, auth, teacher):
    auth.login("teacher1")
    assert client.get("/items/?q=a%00b").status_code == 400


@pytest.mark.app_config(ITEMS_PER_PAGE=1)
def test_the_pager_ignores_query_keys_that_url_for_would_take_as_its_own(client, auth, teacher):
    item_service.create_item(draft(), teacher)
    item_service.create_item(draft(stem="<p>Excel 中求最大值的函数是（　）。</p>"), teacher)
    auth.login("teacher1")
    for query in ("endpoint=x", "_method=POST", "_external=1"):
        response = client.get(f"/items/?{query}")
        assert response.status_code == 200 and "下一页" in response.get_data(as_text=True), query


def test_pages_may_not_be_framed_by_other_sites(client):
    response = client.get("/login")
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("reader, name", [(read_blueprint, "plan.json"), (read_blueprint, "plan.yaml"),
                                          (read_bank, "bank.json")])
def test_deeply_nested_files_get_a_clear_message(reader, name):
    with pytest.raises(ProblemsError, match="嵌套层数过多"):
        reader(b"[" * 5000, name)
