"""``exam-server user add``: accounts from the command line, with clear refusals."""
from sqlalchemy import func, select

from exam_server.extensions import db
from exam_server.models import User
from exam_server.security import check_password


def test_user_add_creates_an_account_in_its_school_and_class(cli):
    result = cli("user", "add", "--username", "t9", "--password", "pass-word", "--role", "teacher",
                 "--name", "赵老师", "--school", "示范中职", "--class", "高三1班")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "t9"))
    assert user.role == "teacher" and user.name == "赵老师"
    assert user.school.name == "示范中职" and user.school_class.name == "高三1班"
    assert check_password("pass-word", user.password_hash)


def test_user_add_refuses_a_taken_username_or_short_password_and_changes_nothing(cli, teacher):
    before = db.session.scalar(select(func.count(User.id)))
    taken = cli("user", "add", "--username", "teacher1", "--password", "pass-word", "--role", "teacher")
    assert taken.exit_code == 1 and "已存在" in taken.output
    short = cli("user", "add", "--username", "new", "--password", "123", "--role", "student")
    assert short.exit_code == 1 and "密码至少 6 位" in short.output
    bad_role = cli("user", "add", "--username", "new", "--password", "pass-word", "--role", "boss")
    assert bad_role.exit_code == 2
    assert db.session.scalar(select(func.count(User.id))) == before
