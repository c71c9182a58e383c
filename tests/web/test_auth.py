"""Logging in and out, throttling and lock-out, roles, CSRF and first-login password change."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from exam_server.extensions import db
from exam_server.models import User, utcnow
from exam_server.services import accounts

from ..conftest import PASSWORD


def test_login_with_right_password_reaches_home(client, auth, student):
    response = auth.login("s001")
    assert response.status_code == 302
    home = client.get("/")
    assert "欢迎，王同学" in home.get_data(as_text=True)


def test_wrong_password_is_refused_in_chinese_and_counted(client, auth, student):
    response = auth.login("s001", "wrong-password")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.get_data(as_text=True)
    assert db.session.get(User, student.id).failed_logins == 1
    assert client.get("/").status_code == 302  # still logged out


def test_unknown_user_gets_the_same_message(auth):
    assert "用户名或密码错误" in auth.login("nobody").get_data(as_text=True)


def test_repeated_failures_slow_down_then_lock(app, student):
    now = utcnow()
    for _ in range(app.config["LOGIN_SLOWDOWN_AFTER"]):
        assert not accounts.authenticate("s001", "bad", now).ok
    slowed = accounts.authenticate("s001", PASSWORD, now)
    assert not slowed.ok and "秒后再试" in slowed.template
    later = now
    for _ in range(app.config["LOGIN_LOCK_AFTER"] - app.config["LOGIN_SLOWDOWN_AFTER"]):
        later = later + timedelta(minutes=1)
        accounts.authenticate("s001", "bad", later)
    user = db.session.get(User, student.id)
    assert user.is_locked(later + timedelta(seconds=1))
    locked = accounts.authenticate("s001", PASSWORD, later + timedelta(minutes=1))
    assert not locked.ok and "已锁定" in locked.template
    assert [u.username for u in accounts.locked_users(later)] == ["s001"]
    accounts.unlock(user)
    assert accounts.authenticate("s001", PASSWORD, later + timedelta(minutes=1)).ok


def test_lock_expires_by_itself(app, student):
    now = utcnow()
    user = db.session.get(User, student.id)
    user.failed_logins = app.config["LOGIN_LOCK_AFTER"]
    user.last_failed_login_at = now
    user.locked_until = now + timedelta(minutes=15)
    db.session.commit()
    assert not accounts.authenticate("s001", PASSWORD, now + timedelta(minutes=14)).ok
    assert accounts.authenticate("s001", PASSWORD, now + timedelta(minutes=16)).ok


def test_student_is_refused_teacher_pages(client, auth, student):
    auth.login("s001")
    assert client.get("/items/").status_code == 403
    assert client.get("/admin/users").status_code == 403


def test_anonymous_user_is_sent_to_login(client):
    response = client.get("/items/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_session_cookie_is_httponly_and_samesite_lax(client, auth, student):
    auth.login("s001")
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_post_without_csrf_token_is_refused_and_changes_nothing(client, student):
    response = client.post("/login", data={"username": "s001", "password": PASSWORD})
    assert response.status_code == 400
    assert "安全令牌" in response.get_data(as_text=True)
    assert db.session.get(User, student.id).last_login_at is None
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post("/login", data={"username": "s001", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def test_forced_password_change_on_first_login(client, auth, create_user):
    create_user("s002", role="student", must_change_password=True)
    auth.login("s002")
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/password")
    response = client.post("/password", data={"current": PASSWORD, "new": "short", "confirm": "short"})
    assert "密码至少" in response.get_data(as_text=True)
    response = client.post("/password", data={"current": PASSWORD, "new": "new-secret", "confirm": "new-secret"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    user = db.session.scalar(select(User).where(User.username == "s002"))
    assert not user.must_change_password


def test_disabling_an_account_ends_its_session(client, auth, student):
    auth.login("s001")
    assert client.get("/").status_code == 200
    db.session.get(User, student.id).is_enabled = False
    db.session.commit()
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_slow_password_check_runs_outside_any_transaction(app, student, monkeypatch):
    """So that a class logging in at once does not queue behind SQLite's write lock."""
    seen = []
    real_check = accounts.check_password

    def spying_check(password, hashed):
        seen.append(db.session().in_transaction())
        return real_check(password, hashed)

    monkeypatch.setattr(accounts, "check_password", spying_check)
    assert accounts.authenticate("s001", PASSWORD).ok
    assert not accounts.authenticate("s001", "wrong").ok
    assert seen == [False, False]
    assert db.session.get(User, student.id).failed_logins == 1


def test_guesses_made_in_parallel_all_count(app, student, monkeypatch):
    """A second guess arriving while the first is being checked already sees the first counted."""
    app.config["LOGIN_SLOWDOWN_AFTER"] = 1
    inner = []
    real_check = accounts.check_password

    def check_while_another_guess_arrives(password, hashed):
        if not inner:
            inner.append(accounts.authenticate("s001", "second-guess"))
        return real_check(password, hashed)

    monkeypatch.setattr(accounts, "check_password", check_while_another_guess_arrives)
    assert not accounts.authenticate("s001", "first-guess").ok
    assert not inner[0].ok and "秒后再试" in inner[0].template
    assert db.session.get(User, student.id).failed_logins == 1


def test_a_password_reset_ends_the_sessions_made_with_the_old_password(client, auth, student):
    auth.login("s001")
    assert client.get("/").status_code == 200
    accounts.reset_password(db.session.get(User, student.id), "new-secret", must_change=False)
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_changing_ones_own_password_keeps_one_logged_in(client, auth, student):
    auth.login("s001")
    response = client.post("/password", data={"current": PASSWORD, "new": "new-secret", "confirm": "new-secret"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
