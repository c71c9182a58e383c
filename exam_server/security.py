"""The secret key, password hashing, login loading and role checks."""
import os
import secrets
from functools import wraps

import bcrypt
from flask import Flask, abort, current_app
from flask_login import current_user

from .extensions import db, login_manager

SECRET_KEY_FILE = "secret_key"


def configure_secret_key(app: Flask) -> None:
    """Use the configured key, else the one in ``instance/secret_key``, made on first run."""
    if app.config.get("SECRET_KEY"):
        return
    path = os.path.join(app.instance_path, SECRET_KEY_FILE)
    if not os.path.exists(path):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    with open(path) as handle:
        app.config["SECRET_KEY"] = handle.read().strip()


#: bcrypt reads at most this many bytes of a password
BCRYPT_MAX_BYTES = 72


def _secret(password: str) -> bytes:
    # longer input is cut where bcrypt always stopped reading; new passwords are refused before that
    return password.encode("utf-8")[:BCRYPT_MAX_BYTES]


def hash_password(password: str, rounds: int | None = None) -> str:
    """A bcrypt hash at ``rounds`` (the app's BCRYPT_ROUNDS by default)."""
    rounds = rounds or current_app.config["BCRYPT_ROUNDS"]
    return bcrypt.hashpw(_secret(password), bcrypt.gensalt(rounds)).decode("ascii")


def check_password(password: str, hashed: str) -> bool:
    try:
        return bcrypt.checkpw(_secret(password), hashed.encode("ascii"))
    except ValueError:
        return False


def roles_required(*roles: str):
    """View decorator: log in first, then 403 unless the user has one of ``roles``."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def init_app(app: Flask) -> None:
    from .models import User

    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_id: str):
        """The session's user, unless the account was disabled or its password changed since."""
        user_id, _, token = session_id.partition(":")
        user = db.session.get(User, int(user_id)) if user_id.isdigit() and len(user_id) < 10 else None
        if user is None or not user.is_enabled or token != user.session_token:
            return None
        return user
