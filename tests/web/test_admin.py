"""The admin pages: who may see them, the user list, lock-outs, passwords, accounts and the taxonomy."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from exam_server.extensions import db
from exam_server.models import Category, KnowledgePoint, School, Subject, User, utcnow
from exam_server.services import items
from exam_server.services.items import ItemDraft

from ..conftest import PASSWORD

ADMIN_GETS = ["/admin/users", "/admin/users/new", "/admin/users/import", "/admin/users/import/template.csv",
              "/admin/taxonomy"]


@pytest.fixture
def as_admin(client, auth, admin_user):
    auth.login("admin")
    return client


def user(username):
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == username))


def lock(username, minutes=10):
    account = user(username)
    account.failed_logins = 8
    account.last_failed_login_at = utcnow()
    account.locked_until = utcnow() + timedelta(minutes=minutes)
    db.session.commit()
    return account


def page(response):
    return response.get_data(as_text=True)


# ---------------------------------------------------------------- access

@pytest.mark.parametrize("role", ["teacher", "student"])
def test_only_admins_may_use_the_admin_pages(client, auth, create_user, role, student):
    create_user("someone", role=role)
    auth.login("someone")
    for url in ADMIN_GETS + [f"/admin/users/{student.id}"]:
        assert client.get(url).status_code == 403, url
    for url in [f"/admin/users/{student.id}/unlock", f"/admin/users/{student.id}/disable",
                f"/admin/users/{student.id}/password", "/admin/users/new", "/admin/taxonomy/categories"]:
        assert client.post(url, data={"password": "whatever-1"}).status_code == 403, url
    assert user("s001").is_enabled


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get("/admin/users")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_admin_sees_every_admin_page(as_admin, student):
    for url in ADMIN_GETS + [f"/admin/users/{student.id}"]:
        assert as_admin.get(url).status_code == 200, url


# ---------------------------------------------------------------- the user list

def test_user_list_shows_school_class_role_and_last_login(as_admin, student, teacher):
    text = page(as_admin.get("/admin/users"))
    assert "s001" in text and "王同学" in text and "示范中职学校" in text and "2024级计算机1班" in text
    assert "张老师" in text and "教师" in text and "从未登录" in text
    assert "已锁定的账号：0 个" in text


def test_user_list_filters_by_role_school_class_and_text(as_admin, student, teacher, create_user):
    create_user("s002", role="student", name="赵同学", school="另一所学校", class_name="1班")
    school = db.session.scalar(select(School).where(School.name == "示范中职学校"))
    def users(**query):
        return listed(page(as_admin.get("/admin/users", query_string=query)))

    assert users(role="student") == ["s001", "s002"]
    assert users(school=school.id) == ["s001"]
    assert users(klass=user("s002").class_id) == ["s002"]
    assert users(q="赵") == ["s002"]
    assert users(q="TEACHER") == ["teacher1"]


@pytest.mark.app_config(USERS_PER_PAGE=2)
def test_user_list_pages(as_admin, create_user):
    for n in range(4):
        create_user(f"u{n}", role="student")
    first = page(as_admin.get("/admin/users", query_string={"role": ""}))
    assert listed(first) == ["admin", "u0"] and "第 1 页 / 共 3 页" in first
    assert "/admin/users?role=&amp;page=2" in first  # the filters are kept
    second = page(as_admin.get("/admin/users?page=2"))
    assert listed(second) == ["u1", "u2"]


def listed(html: str) -> list[str]:
    """The usernames in the user table (not matched in tokens elsewhere on the page)."""
    return re.findall(r'<td><a href="/admin/users/\d+">([^<]+)</a></td>', html)


# ---------------------------------------------------------------- lock-outs

def test_locked_account_is_shown_with_time_and_count(as_admin, student):
    account = lock("s001")
    until = (account.locked_until + timedelta(hours=8)).strftime("%H:%M")  # Asia/Shanghai, no DST
    text = page(as_admin.get("/admin/users"))
    assert "已锁定的账号：1 个" in text
    assert f"已锁定至 {until}" in text and "失败 8 次" in text and "解锁" in text
    locked_only = page(as_admin.get("/admin/users", query_string={"status": "locked"}))
    assert "s001" in locked_only and "管理员" not in locked_only.split("<table")[1]


def test_a_users_page_shows_the_lock_or_that_there_is_none(as_admin, student):
    assert "未锁定" in page(as_admin.get(f"/admin/users/{student.id}"))
    account = lock("s001")
    until = (account.locked_until + timedelta(hours=8)).strftime("%H:%M")
    text = page(as_admin.get(f"/admin/users/{student.id}"))
    assert f"已锁定至 {until}" in text and "失败 8 次" in text and "未锁定" not in text
    assert f'value="/admin/users/{student.id}"' in text  # the unlock button comes back here


def test_admin_unlocks_and_the_user_can_log_in_again(client, auth, admin_user, student):
    lock("s001")
    assert "已锁定" in page(auth.login("s001"))
    auth.login("admin")
    response = client.post(f"/admin/users/{student.id}/unlock", data={"next": "/admin/users?status=locked"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/users?status=locked")
    account = user("s001")
    assert account.locked_until is None and account.failed_logins == 0
    auth.logout()
    assert auth.login("s001").status_code == 302
    assert "王同学" in page(client.get("/"))


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_unlock_needs_the_csrf_token_from_the_page(client, admin_user, student):
    login_page = page(client.get("/login"))
    token = login_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token})
    lock("s001")
    assert client.post(f"/admin/users/{student.id}/unlock").status_code == 400
    assert user("s001").locked_until is not None
    row = page(client.get("/admin/users")).split('id="user-')[2]  # s001's row, after admin's
    token = re.search(r'name="csrf_token" value="([^"]+)"', row).group(1)
    assert client.post(f"/admin/users/{student.id}/unlock", data={"csrf_token": token}).status_code == 302
    assert user("s001").locked_until is None


# ---------------------------------------------------------------- passwords, enabling, editing, adding

def test_reset_password_forces_a_change_at_next_login(client, auth, admin_user, student):
    auth.login("admin")
    response = client.post(f"/admin/users/{student.id}/password", data={"password": "123"})
    assert "密码至少 6 位" in page(response)
    response = client.post(f"/admin/users/{student.id}/password", data={"password": "reset-pw-1"})
    assert response.status_code == 302
    auth.logout()
    assert auth.login("s001").status_code == 200  # the old password no longer works
    assert auth.login("s001", "reset-pw-1").status_code == 302
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/password")


def test_disabled_user_cannot_log_in_until_enabled(client, auth, admin_user, student):
    auth.login("admin")
    client.post(f"/admin/users/{student.id}/disable")
    assert not user("s001").is_enabled
    assert "已禁用" in page(client.get("/admin/users"))
    auth.logout()
    assert "已禁用" in page(auth.login("s001"))
    auth.login("admin")
    client.post(f"/admin/users/{student.id}/enable")
    auth.logout()
    assert auth.login("s001").status_code == 302


def test_admin_cannot_disable_or_demote_themselves(as_admin, admin_user):
    response = as_admin.post(f"/admin/users/{admin_user.id}/disable", follow_redirects=True)
    assert "不能禁用自己的账号" in page(response)
    response = as_admin.post(f"/admin/users/{admin_user.id}", data={"name": "x", "role": "teacher"})
    assert "不能取消自己的管理员角色" in page(response)
    assert user("admin").is_enabled and user("admin").role == "admin"


def test_edit_name_role_school_and_class(as_admin, teacher):
    response = as_admin.post(f"/admin/users/{teacher.id}", data={
        "name": "张主任", "role": "proctor", "school": "新学校", "class_name": "2025级1班"})
    assert response.status_code == 302
    account = user("teacher1")
    assert (account.name, account.role, account.school.name, account.school_class.name) == (
        "张主任", "proctor", "新学校", "2025级1班")
    response = as_admin.post(f"/admin/users/{teacher.id}", data={"name": "张主任", "role": "proctor",
                                                                 "school": "", "class_name": "1班"})
    assert "指定班级时必须同时指定学校" in page(response)
    assert user("teacher1").school_class.name == "2025级1班"


def test_add_user_and_errors_on_the_field(as_admin, student):
    response = as_admin.post("/admin/users/new", data={
        "username": "t9", "name": "钱老师", "role": "teacher", "password": "teach-pw-1",
        "school": "示范中职学校", "class_name": "", "must_change_password": "y"})
    assert response.status_code == 302
    created = user("t9")
    assert created.role == "teacher" and created.must_change_password and created.school.name == "示范中职学校"
    response = as_admin.post("/admin/users/new", data={
        "username": "s001", "name": "重名", "role": "student", "password": "whatever-1"})
    text = page(response)
    assert "用户名“s001”已存在" in text
    assert text.index("用户名“s001”已存在") > text.index('name="username"')  # under the username field
    assert db.session.scalar(select(func.count(User.id)).where(User.name == "重名")) == 0


# ---------------------------------------------------------------- taxonomy

def node(model, name):
    db.session.expire_all()
    return db.session.scalar(select(model).where(model.name == name))


def test_taxonomy_page_shows_the_tree(as_admin):
    text = page(as_admin.get("/admin/taxonomy"))
    assert "计算机类" in text and "机械制图" in text and "添加大类" in text


def test_add_rename_and_delete_at_every_level(as_admin):
    as_admin.post("/admin/taxonomy/categories", data={"code": "ms", "name": "美术类"})
    category = node(Category, "美术类")
    assert category.code == "MS"
    as_admin.post(f"/admin/taxonomy/category/{category.id}/subjects", data={"name": "素描"})
    subject = node(Subject, "素描")
    as_admin.post(f"/admin/taxonomy/subject/{subject.id}/points", data={"name": "透视"})
    point = node(KnowledgePoint, "透视")
    assert point.subject_id == subject.id
    text = page(as_admin.get("/admin/taxonomy"))
    assert "美术类" in text and "素描" in text and "透视" in text

    for kind, item, new in (("category", category, "美术与设计类"), ("subject", subject, "素描基础"),
                            ("point", point, "透视原理")):
        response = as_admin.post(f"/admin/taxonomy/{kind}/{item.id}/rename", data={"name": new})
        assert response.status_code == 302 and f"#{kind}-{item.id}" in response.headers["Location"]
    assert node(Category, "美术与设计类") and node(Subject, "素描基础") and node(KnowledgePoint, "透视原理")

    response = as_admin.post(f"/admin/taxonomy/category/{category.id}/delete", follow_redirects=True)
    assert "“美术与设计类”下还有内容或试题，不能删除" in page(response)
    for kind, item in (("point", point), ("subject", subject), ("category", category)):
        as_admin.post(f"/admin/taxonomy/{kind}/{item.id}/delete")
    assert node(Category, "美术与设计类") is None and node(Subject, "素描基础") is None


def test_taxonomy_errors_are_shown(as_admin):
    category = node(Category, "计算机类")
    response = as_admin.post(f"/admin/taxonomy/category/{category.id}/subjects", data={"name": "Word"},
                             follow_redirects=True)
    assert "该大类下已有科目“Word”" in page(response)
    response = as_admin.post(f"/admin/taxonomy/category/{category.id}/rename", data={"name": "  "},
                             follow_redirects=True)
    assert "请输入名称" in page(response)
    assert node(Category, "计算机类") is not None


def test_subject_with_items_cannot_be_deleted(as_admin, admin_user):
    subject = node(Subject, "机械制图")
    items.create_item(ItemDraft(type="single", stem="<p>正投影的特点是？</p>", subject_id=subject.id,
                                options=[{"id": "A", "text": "实形性"}, {"id": "B", "text": "放大性"}],
                                answer="A"), admin_user)
    assert "1 道试题" in page(as_admin.get("/admin/taxonomy"))
    response = as_admin.post(f"/admin/taxonomy/subject/{subject.id}/delete", follow_redirects=True)
    assert "“机械制图”下还有内容或试题，不能删除" in page(response)
    assert node(Subject, "机械制图") is not None
