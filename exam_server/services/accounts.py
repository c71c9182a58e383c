"""Accounts: creating users, logging in with throttling and lock-out, passwords."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import ROLES, School, SchoolClass, User, utcnow
from ..security import BCRYPT_MAX_BYTES, check_password, hash_password
from .errors import N_, ServiceError


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    template: str = ""
    params: dict | None = None

    @property
    def ok(self) -> bool:
        return self.user is not None


def get_or_create_school(name: str) -> School:
    school = db.session.scalar(select(School).where(School.name == name))
    if school is None:
        school = School(name=name)
        db.session.add(school)
        db.session.flush()
    return school


def get_or_create_class(school: School, name: str) -> SchoolClass:
    klass = db.session.scalar(select(SchoolClass).where(
        SchoolClass.school_id == school.id, SchoolClass.name == name))
    if klass is None:
        klass = SchoolClass(school=school, name=name)
        db.session.add(klass)
        db.session.flush()
    return klass


def check_new_password(password: str, where: str = "password") -> None:
    minimum = current_app.config["MIN_PASSWORD_LENGTH"]
    if len(password or "") < minimum:
        raise ServiceError(N_("密码至少 %(n)d 位"), where, n=minimum)
    if len((password or "").encode("utf-8")) > BCRYPT_MAX_BYTES:
        raise ServiceError(N_("密码过长：最多 %(n)d 个英文字符或 %(cjk)d 个汉字"), where,
                           n=BCRYPT_MAX_BYTES, cjk=BCRYPT_MAX_BYTES // 3)


def build_user(username: str, password: str, role: str, name: str = "", school: str = "",
               class_name: str = "", must_change_password: bool = False) -> User:
    """A new user, added to the session but not committed.

    :raise ServiceError: for an unknown role, a taken username, a short password,
        or a class given without a school.
    """
    username = (username or "").strip()
    if not username or len(username) > 64 or any(c.isspace() for c in username):
        raise ServiceError(N_("用户名不能为空、不能含空格，且不超过 64 个字符"), "username")
    if role not in ROLES:
        raise ServiceError(N_("角色必须是 %(roles)s 之一"), "role", roles=", ".join(ROLES))
    check_new_password(password)
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ServiceError(N_("用户名“%(username)s”已存在"), "username", username=username)
    if class_name and not school:
        raise ServiceError(N_("指定班级时必须同时指定学校"), "school")
    user = User(username=username, password_hash=hash_password(password), role=role,
                name=(name or "").strip(), must_change_password=must_change_password)
    if school:
        user.school = get_or_create_school(school.strip())
        if class_name:
            user.school_class = get_or_create_class(user.school, class_name.strip())
    db.session.add(user)
    return user


def create_user(**fields) -> User:
    """Create and commit one user; see :func:`build_user` for the fields and errors."""
    user = build_user(**fields)
    db.session.commit()
    return user


def _wait_seconds(user: User, now: datetime) -> int:
    """How long the user must wait before the next attempt, given failures so far."""
    after = current_app.config["LOGIN_SLOWDOWN_AFTER"]
    if user.failed_logins < after or user.last_failed_login_at is None:
        return 0
    delay = timedelta(seconds=2 ** (user.failed_logins - after + 1))
    remaining = user.last_failed_login_at + delay - now
    return max(0, int(remaining.total_seconds() + 0.999))


def authenticate(username: str, password: str, now: datetime | None = None) -> LoginResult:
    """Check a login. Failures slow down, then lock the account for a while.

    The result carries a Chinese message template when the login is refused;
    the message never says whether the username exists. The bcrypt check
    (about 0.25 s) runs outside any transaction, so that a class logging in at
    once does not queue behind SQLite's write lock.
    """
    now = now or utcnow()
    user = db.session.scalar(select(User).where(User.username == (username or "").strip()))
    refusal = _refusal(user, now)
    if refusal or user is None:
        db.session.rollback()
        if refusal:
            return refusal
        hash_password(password or "")  # same cost as a real check: timing does not reveal the name
        return LoginResult(None, N_("用户名或密码错误"))
    hashed, user_id = user.password_hash, user.id
    # count the attempt before the slow check, so parallel guesses all count; a success clears it.
    # This also commits: the check runs outside any transaction.
    _record_failure(user_id, now)
    if not check_password(password or "", hashed):
        return LoginResult(None, N_("用户名或密码错误"))
    user = db.session.get(User, user_id)
    user.failed_logins = 0
    user.locked_until = None
    user.last_failed_login_at = None
    if not user.is_enabled:
        db.session.commit()
        return LoginResult(None, N_("该账号已禁用，请联系管理员"))
    user.last_login_at = now
    db.session.commit()
    return LoginResult(user)


def _refusal(user: User | None, now: datetime) -> LoginResult | None:
    """Why a known user may not even try now (locked, or must wait), if so."""
    if user is None:
        return None
    if user.is_locked(now):
        minutes = math.ceil((user.locked_until - now).total_seconds() / 60)
        return LoginResult(None, N_("登录失败次数过多，账号已锁定，请 %(minutes)d 分钟后再试或联系管理员解锁"),
                           {"minutes": minutes})
    wait = _wait_seconds(user, now)
    if wait:
        return LoginResult(None, N_("登录失败次数过多，请 %(seconds)d 秒后再试"), {"seconds": wait})
    return None


def _record_failure(user_id: int, now: datetime) -> None:
    """Count an attempt as failed, atomically, and lock the account when there are too many."""
    db.session.execute(update(User).where(User.id == user_id).values(
        failed_logins=User.failed_logins + 1, last_failed_login_at=now))
    failures = db.session.scalar(select(User.failed_logins).where(User.id == user_id))
    if failures >= current_app.config["LOGIN_LOCK_AFTER"]:
        lock_until = now + timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
        db.session.execute(update(User).where(User.id == user_id).values(locked_until=lock_until))
    db.session.commit()


def change_password(user: User, current: str, new: str, confirm: str) -> None:
    """Change a user's own password.

    :raise ServiceError: if the current password is wrong or the new one is unusable.
    """
    if not check_password(current or "", user.password_hash):
        raise ServiceError(N_("当前密码不正确"), "current")
    check_new_password(new, "new")
    if new != confirm:
        raise ServiceError(N_("两次输入的新密码不一致"), "confirm")
    if new == current:
        raise ServiceError(N_("新密码不能与当前密码相同"), "new")
    user.password_hash = hash_password(new)
    user.must_change_password = False
    db.session.commit()


def reset_password(user: User, new: str, must_change: bool = True) -> None:
    """An admin sets a user's password; the user changes it at next login by default."""
    check_new_password(new)
    user.password_hash = hash_password(new)
    user.must_change_password = must_change
    unlock(user, commit=False)
    db.session.commit()


def unlock(user: User, commit: bool = True) -> None:
    """Lift a login lock and forget the failures."""
    user.failed_logins = 0
    user.locked_until = None
    user.last_failed_login_at = None
    if commit:
        db.session.commit()


def locked_users(now: datetime | None = None) -> list[User]:
    now = now or utcnow()
    return list(db.session.scalars(select(User).where(User.locked_until > now).order_by(User.username)))


# ---------------------------------------------------------------- administration

def user_query(role: str = "", school_id: int | None = None, class_id: int | None = None,
               text: str = "", status: str = "", now: datetime | None = None) -> Select:
    """Users matching the admin list's filters, by username; ``status`` is "", "locked" or "disabled"."""
    query = select(User).options(selectinload(User.school), selectinload(User.school_class))
    if role:
        query = query.where(User.role == role)
    if school_id:
        query = query.where(User.school_id == school_id)
    if class_id:
        query = query.where(User.class_id == class_id)
    text = (text or "").strip()
    if text:
        query = query.where(User.username.icontains(text, autoescape=True)
                            | User.name.icontains(text, autoescape=True))
    if status == "locked":
        query = query.where(User.locked_until > (now or utcnow()))
    elif status == "disabled":
        query = query.where(User.is_enabled.is_(False))
    return query.order_by(User.username)


def schools() -> list[School]:
    return list(db.session.scalars(select(School).order_by(School.name)))


def school_classes(school_id: int | None = None) -> list[SchoolClass]:
    """Classes by school and name, of one school when ``school_id`` is given."""
    query = select(SchoolClass).join(SchoolClass.school).options(selectinload(SchoolClass.school))
    if school_id:
        query = query.where(SchoolClass.school_id == school_id)
    return list(db.session.scalars(query.order_by(School.name, SchoolClass.name)))


def _keep_an_admin(user: User, where: str) -> None:
    """Refuse a change that would leave no enabled admin besides ``user``."""
    others = db.session.scalar(select(func.count(User.id)).where(
        User.role == "admin", User.is_enabled.is_(True), User.id != user.id))
    if not others:
        raise ServiceError(N_("至少要保留一个可用的管理员账号"), where)


def update_user(user: User, name: str, role: str, school: str = "", class_name: str = "",
                by: User | None = None) -> None:
    """An admin changes a user's name, role, school and class (schools and classes are made as needed).

    :raise ServiceError: for an unknown role, names too long, a class without a school,
        or taking the admin role from oneself or from the last admin.
    """
    name, school, class_name = (name or "").strip(), (school or "").strip(), (class_name or "").strip()
    if len(name) > 64:
        raise ServiceError(N_("姓名不超过 64 个字符"), "name")
    if role not in ROLES:
        raise ServiceError(N_("角色必须是 %(roles)s 之一"), "role", roles=", ".join(ROLES))
    if user.role == "admin" and role != "admin":
        if by is not None and by.id == user.id:
            raise ServiceError(N_("不能取消自己的管理员角色"), "role")
        _keep_an_admin(user, "role")
    if len(school) > 100:
        raise ServiceError(N_("学校名称不超过 100 个字符"), "school")
    if len(class_name) > 64:
        raise ServiceError(N_("班级名称不超过 64 个字符"), "class_name")
    if class_name and not school:
        raise ServiceError(N_("指定班级时必须同时指定学校"), "school")
    user.name, user.role = name, role
    user.school = get_or_create_school(school) if school else None
    user.school_class = get_or_create_class(user.school, class_name) if class_name else None
    db.session.commit()


def set_enabled(user: User, enabled: bool, by: User | None = None) -> None:
    """Enable or disable an account; a disabled account cannot log in.

    :raise ServiceError: when disabling oneself or the last enabled admin.
    """
    if not enabled:
        if by is not None and by.id == user.id:
            raise ServiceError(N_("不能禁用自己的账号"))
        if user.role == "admin":
            _keep_an_admin(user, "")
    user.is_enabled = enabled
    db.session.commit()
