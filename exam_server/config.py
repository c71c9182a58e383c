"""Default settings. Deployment settings and secrets live in ``instance/config.py``.

Order of precedence: these defaults, then ``instance/config.py``, then the
``DATABASE_URL`` environment variable, then a test configuration.
"""


class DefaultConfig:
    #: None means "sqlite:///<instance>/exam.sqlite3"
    SQLALCHEMY_DATABASE_URI = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    #: SQLite busy timeout: how long a writer waits for the lock before giving up
    SQLITE_BUSY_TIMEOUT_MS = 10_000

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 12 * 3600
    #: CSRF tokens live as long as the session: an exam can last hours
    WTF_CSRF_TIME_LIMIT = None

    #: bcrypt cost (OWASP's minimum for bcrypt). Measured in docs/PERFORMANCE.md: on 2 cores a
    #: class of 60 logging in at once takes 2.6 s at 10, 4.6 s at 11, 9 s at 12. Raise it on a
    #: bigger server; existing hashes keep the cost they were made with.
    BCRYPT_ROUNDS = 10
    #: after this many failures in a row, each next attempt must wait (2, 4, 8 … s)
    LOGIN_SLOWDOWN_AFTER = 3
    #: after this many failures in a row, the account locks
    LOGIN_LOCK_AFTER = 8
    LOGIN_LOCK_MINUTES = 15
    #: imported students must choose their own password when they first log in
    FORCE_PASSWORD_CHANGE_ON_IMPORT = True
    MIN_PASSWORD_LENGTH = 6

    #: how often each server process submits attempts whose time ran out and grades submitted ones (0: never)
    FINALISE_INTERVAL_SECONDS = 5
    #: submitted attempts are graded when the server is idle, or after waiting this long whatever the load
    GRADE_WAIT_SECONDS = 20
    #: a result page whose grading is not done yet reloads after this many seconds (± 25 %)
    RESULT_REFRESH_SECONDS = 5

    MAX_CONTENT_LENGTH = 64 * 1024 * 1024
    MAX_IMAGE_BYTES = 2 * 1024 * 1024
    ITEMS_PER_PAGE = 20
    USERS_PER_PAGE = 50

    BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = {"zh_Hans_CN": "中文", "en": "English"}
