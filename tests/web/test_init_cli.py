"""``exam-server init --demo`` from nothing, twice, then ``bank stats`` and ``bank import`` on the result."""
import dataclasses
import json
import shutil

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, func, select

import exam_server.cli as cli_package
from exam_server import create_app
from exam_server.cli import main
from exam_server.extensions import db
from exam_server.models import Item, User
from exam_server.security import check_password
from exam_server.services import accounts
from exam_server.services.demo import DEMO_DIR, load_demo, read_demo_banks
from exam_server.services.errors import ProblemsError
from question_bank.formats.native import Bank, write_json

from ..conftest import BACKENDS, _reset_postgres, make_app
from ..unit.test_native_format import sample_bank


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path, monkeypatch):
    """The environment ``exam-server`` reads: an instance folder and a database with nothing in it."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'exam.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_ready")
        application = make_app(tmp_path / "reset", url)
        _reset_postgres(application)
        with application.app_context():
            db.engine.dispose()
    monkeypatch.setenv("EXAM_SERVER_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("DATABASE_URL", url)
    return url


@pytest.fixture
def run(monkeypatch):
    """Invoke ``exam-server ARGS…``; each invocation makes its own app, whose engine is closed after the test."""
    runner = CliRunner()
    apps = []

    def recording_create_app(*args, **kwargs):
        apps.append(create_app(*args, **kwargs))
        return apps[-1]
    monkeypatch.setattr(cli_package, "create_app", recording_create_app)

    def invoke(*args):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)
    yield invoke
    for application in apps:
        with application.app_context():
            db.engine.dispose()


def row_counts(url):
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {table.name: conn.scalar(select(func.count()).select_from(table))
                    for table in db.metadata.sorted_tables}
    finally:
        engine.dispose()


def demo_item_count():
    return sum(len(bank.items) for _, bank in read_demo_banks())


def test_init_demo_twice_loads_accounts_and_banks_once(database_url, run):
    first = run("init", "--demo")
    assert first.exit_code == 0, first.output
    assert "新建 34 个" in first.stdout and "demo1234" in first.stdout
    loaded = row_counts(database_url)
    assert loaded["user_account"] == 34 and loaded["school"] == 1 and loaded["school_class"] == 1
    assert loaded["category"] == 10 and loaded["item"] == demo_item_count()
    assert loaded["exam"] == 1 and loaded["exam_paper"] == 2 and "示范考试（新建）" in first.stdout

    second = run("init", "--demo")
    assert second.exit_code == 0, second.output
    assert "新建 0 个" in second.stdout and "新增 0 道" in second.stdout or not demo_item_count()
    assert "示范考试（已有）" in second.stdout
    assert row_counts(database_url) == loaded

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            users = {row.username: row for row in conn.execute(select(User.__table__))}
    finally:
        engine.dispose()
    assert {u.role for u in users.values()} == {"admin", "teacher", "proctor", "student"}
    assert sum(u.role == "teacher" for u in users.values()) == 2
    students = [u for u in users.values() if u.role == "student"]
    assert sorted(u.username for u in students)[0] == "2024010101" and len(students) == 30
    assert len({u.class_id for u in students}) == 1
    assert not any(u.must_change_password for u in users.values())
    assert check_password("demo1234", users["teacher2"].password_hash)


def test_bank_stats_after_init_lists_the_ten_categories(database_url, run):
    assert run("init", "--demo").exit_code == 0
    result = run("bank", "stats", "--json")
    assert result.exit_code == 0
    stats = json.loads(result.stdout)
    assert len(stats["categories"]) == 10 and stats["total"] == demo_item_count()
    assert {c["code"] for c in stats["categories"]} == {"JX", "DQ", "JSJ", "JZ", "LY", "NX", "CJ", "XQ", "HL", "QC"}
    assert all(set(c) == {"code", "name", "items", "subjects", "types", "difficulty"} for c in stats["categories"])


def test_bank_import_of_a_bad_file_exits_1_with_the_chinese_message(database_url, run, tmp_path):
    assert run("init").exit_code == 0
    before = row_counts(database_url)
    bad = tmp_path / "坏题库.json"
    bad.write_text('{"format": "hbjn-exam-bank", "version": 1, "items": [\n  {"type": "single",}\n]}',
                   encoding="utf-8")
    result = run("bank", "import", bad)
    assert result.exit_code == 1
    assert "坏题库.json:2:21: JSON 语法错误：此处应为用双引号括起的字段名" in result.stderr and "未导入任何试题" in result.stderr
    assert row_counts(database_url) == before


def demo_folder(tmp_path, banks_by_name):
    folder = tmp_path / "demo"
    (folder / "banks").mkdir(parents=True)
    shutil.copy(DEMO_DIR / "accounts.json", folder / "accounts.json")
    for name, bank in banks_by_name.items():
        (folder / "banks" / name).write_bytes(write_json(bank))
    return folder


def test_load_demo_publishes_every_item_and_keeps_existing_accounts(app, tmp_path):
    accounts.create_user(username="teacher1", password="own-password", role="teacher")
    bank = sample_bank(with_images=False)
    folder = demo_folder(tmp_path, {"JSJ.json": bank})
    report = load_demo(folder)
    assert [(name, r.created) for name, r in report.banks] == [("JSJ.json", 5)]
    assert set(db.session.scalars(select(Item.status))) == {"published"}
    assert [a.username for a in report.accounts if not a.created] == ["teacher1"]
    teacher = db.session.scalar(select(User).where(User.username == "teacher1"))
    assert check_password("own-password", teacher.password_hash)
    assert load_demo(folder).banks[0][1].unchanged == 5


def test_load_demo_refuses_a_uid_used_in_two_files_before_writing(app, tmp_path):
    bank = sample_bank(with_images=False)
    other = Bank(bank.taxonomy, [dataclasses.replace(bank.items[2], stem="<p>另一道题</p>")])
    folder = demo_folder(tmp_path, {"A.json": bank, "B.json": other})
    with pytest.raises(ProblemsError) as error:
        load_demo(folder)
    [problem] = error.value.problems
    assert problem.where == "B.json: items[0] (uid jsj-0003)"
    assert "A.json: items[2] (uid jsj-0003)" in problem.message
    assert db.session.scalar(select(func.count(User.id))) == 0
