"""Importing students from CSV and xlsx: through the admin page, the service and the CLI."""
import io
import os
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from exam_server.extensions import db
from exam_server.models import School, SchoolClass, User
from exam_server.security import check_password
from exam_server.services import user_import
from exam_server.services.errors import ProblemsError

from ..unit.test_user_rows import xlsx

HEADER = "学号,姓名,班级,学校,初始密码\r\n"
GOOD = HEADER + "2024001,张三,2024级计算机1班,示范中职学校,zs-pass-1\r\n2024002,李四,2024级计算机2班,示范中职学校,ls-pass-1\r\n"


def user_count():
    db.session.rollback()  # see rows other connections committed
    return db.session.scalar(select(func.count(User.id)))


def account(username):
    db.session.rollback()
    return db.session.scalar(select(User).where(User.username == username))


@pytest.fixture
def upload(client, auth, admin_user):
    auth.login("admin")

    def post(data: bytes, filename: str, default_password: str = ""):
        return client.post("/admin/users/import", content_type="multipart/form-data", data={
            "file": (io.BytesIO(data), filename), "default_password": default_password})
    return post


# ---------------------------------------------------------------- the admin page

@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk"])
def test_csv_import_creates_students(upload, client, auth, student, encoding):
    response = upload(GOOD.encode(encoding), "名单.csv")
    assert response.status_code == 302
    assert "已导入 2 名学生；新建学校 0 所，新建班级 1 个" in client.get(response.headers["Location"]).get_data(as_text=True)
    zhang = account("2024001")
    assert (zhang.name, zhang.role, zhang.school.name, zhang.school_class.name) == (
        "张三", "student", "示范中职学校", "2024级计算机1班")
    assert zhang.must_change_password and check_password("zs-pass-1", zhang.password_hash)
    assert account("2024002").school_class.name == "2024级计算机2班"
    auth.logout()
    auth.login("2024002", "ls-pass-1")
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/password")


def test_xlsx_import_with_default_password(upload, app):
    data = xlsx([["学号", "姓名", "班级", "学校", "初始密码"],
                 [2024101, "王五", "1班", "新学校", None],
                 ["2024102", "赵六", "", "", "own-pass-1"]])
    assert upload(data, "students.xlsx", default_password="start-123").status_code == 302
    assert check_password("start-123", account("2024101").password_hash)
    assert check_password("own-pass-1", account("2024102").password_hash)
    assert account("2024101").school_class.school.name == "新学校"
    assert account("2024102").school is None


def test_file_with_errors_names_each_row_and_imports_nothing(upload):
    before = user_count()
    data = (HEADER + "2024001,张三,1班,示范中职学校,zs-pass-1\r\n"
            ",无学号,1班,示范中职学校,abc-pass-1\r\n"
            "2024003,王五,1班,示范中职学校,123\r\n"
            "2024004,赵六,1班,,abc-pass-1\r\n").encode("gbk")
    response = upload(data, "名单.csv")
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "文件中有 3 处错误，未导入任何学生" in text
    assert "名单.csv:第 3 行: 学号不能为空" in text
    assert "名单.csv:第 4 行: 初始密码至少 6 位" in text
    assert "名单.csv:第 5 行: 填写了班级但没有填写学校" in text
    assert user_count() == before


def test_duplicate_student_number_in_the_file(upload):
    before = user_count()
    data = (HEADER + "2024001,张三,,,zs-pass-1\r\n2024001,张三丰,,,zs-pass-2\r\n").encode("utf-8")
    text = upload(data, "名单.csv").get_data(as_text=True)
    assert "名单.csv:第 3 行: 学号“2024001”重复：第 2 行和第 3 行" in text
    assert user_count() == before


def test_existing_username_is_an_error_in_xlsx(upload, student):
    before = user_count()
    data = xlsx([["学号", "姓名", "班级", "学校", "初始密码"], ["2024001", "张三", "", "", "zs-pass-1"],
                 ["s001", "王同学", "", "", "abc-pass-1"]])
    text = upload(data, "名单.xlsx").get_data(as_text=True)
    assert "名单.xlsx!Sheet1 第 3 行: 学号“s001”已存在" in text
    assert user_count() == before


def test_missing_columns_and_wrong_file_types(upload):
    text = upload("学号,名字\r\n1,张三\r\n".encode(), "名单.csv").get_data(as_text=True)
    assert "缺少列：姓名、班级、学校、初始密码" in text
    text = upload(b"whatever", "名单.txt").get_data(as_text=True)
    assert "请上传 .csv 或 .xlsx 文件" in text
    text = upload(GOOD.encode(), "名单.csv", default_password="abc").get_data(as_text=True)
    assert "默认密码至少 6 位" in text


def test_template_download_is_an_empty_roster(upload, client):
    response = client.get("/admin/users/import/template.csv")
    assert response.data.startswith("\ufeff学号,姓名,班级,学校,初始密码".encode("utf-8"))


# ---------------------------------------------------------------- the service

@pytest.mark.app_config(FORCE_PASSWORD_CHANGE_ON_IMPORT=False)
def test_import_summary_and_no_forced_change_when_configured_off(app, student):
    summary = user_import.import_students(
        (HEADER + "2024001,张三,1班,示范中职学校,zs-pass-1\r\n2024002,李四,1班,另一所学校,ls-pass-1\r\n"
         "2024003,王五,2024级计算机1班,示范中职学校,ww-pass-1\r\n").encode(), "名单.csv")
    assert summary.created == 3
    assert summary.schools == ["另一所学校"]
    assert summary.classes == ["示范中职学校 1班", "另一所学校 1班"]
    assert not account("2024001").must_change_password
    assert db.session.scalar(select(func.count(School.id))) == 2
    assert db.session.scalar(select(func.count(SchoolClass.id))) == 3


def test_many_students_are_hashed_in_a_pool_correctly(app, monkeypatch):
    pools = []

    class CountedPool(ThreadPoolExecutor):
        def __init__(self, max_workers):
            pools.append(max_workers)
            super().__init__(max_workers)

    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    monkeypatch.setattr(user_import, "ThreadPoolExecutor", CountedPool)
    rows = "".join(f"2024{n:03d},学生{n},1班,示范中职学校,pass-{n:04d}\r\n" for n in range(20))
    assert user_import.import_students((HEADER + rows).encode(), "名单.csv").created == 20
    assert pools == [4]
    for n in (0, 7, 19):
        assert check_password(f"pass-{n:04d}", account(f"2024{n:03d}").password_hash)


def test_service_raises_every_problem(app, student):
    with pytest.raises(ProblemsError) as caught:
        user_import.import_students((HEADER + "s001,王同学,,,abc-pass-1\r\n,,,,x\r\n").encode(), "a.csv")
    assert [str(p) for p in caught.value.problems] == [  # in row order
        "a.csv:第 2 行: 学号“s001”已存在",
        "a.csv:第 3 行: 学号不能为空", "a.csv:第 3 行: 姓名不能为空", "a.csv:第 3 行: 初始密码至少 6 位"]


# ---------------------------------------------------------------- the command line

@pytest.fixture
def import_cli(cli, tmp_path):
    """``exam-server user import ARGS…`` with cheap hashes (the CLI makes its own app from the instance)."""
    (tmp_path / "config.py").write_text("BCRYPT_ROUNDS = 4\n")
    return lambda *args: cli("user", "import", *args)


def test_cli_import_prints_a_summary(import_cli, tmp_path):
    path = tmp_path / "名单.csv"
    path.write_bytes(GOOD.replace("zs-pass-1", "").encode("gbk"))
    result = import_cli(str(path), "--default-password", "start-123")
    assert result.exit_code == 0, result.output
    assert "已导入 2 名学生" in result.output and "新建学校 1 所：示范中职学校" in result.output
    assert check_password("start-123", account("2024001").password_hash)


def test_cli_import_prints_every_error_and_exits_1(import_cli, tmp_path, student):
    before = user_count()
    path = tmp_path / "bad.xlsx"
    path.write_bytes(xlsx([["学号", "姓名", "班级", "学校", "初始密码"], ["s001", "王同学", "", "", "abc-pass-1"],
                           ["2024002", "", "1班", "", "abc-pass-1"], ["2024003", "李四", "", "", ""]]))
    result = import_cli(str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "bad.xlsx!Sheet1 第 2 行: 学号“s001”已存在",
        "bad.xlsx!Sheet1 第 3 行: 姓名不能为空",
        "bad.xlsx!Sheet1 第 3 行: 填写了班级但没有填写学校",
        "bad.xlsx!Sheet1 第 4 行: 初始密码为空，且未指定默认密码",
        "共 4 处错误，未导入任何学生",
    ]
    assert user_count() == before
