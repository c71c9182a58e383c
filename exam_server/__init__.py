"""The exam server: a Flask app made by :func:`create_app`."""
import os

from flask import Flask

from . import activity, database, errors, hardening, i18n, labels, security
from .config import DefaultConfig
from .extensions import babel, csrf, db, login_manager, migrate


def create_app(test_config=None):
    """Build the app: defaults, then ``instance/config.py``, then ``DATABASE_URL``, then ``test_config``.

    Nothing here migrates, prompts or touches the network; on first use it
    creates the instance folder and the secret key in it.
    """
    instance = os.environ.get("EXAM_SERVER_INSTANCE")
    app = Flask(__name__, instance_path=os.path.abspath(instance) if instance else None,
                instance_relative_config=True)
    hardening.init_app(app)  # before any blueprint builds its <int:…> routes
    activity.init_app(app)  # background grading gives way to requests
    app.config.from_object(DefaultConfig)
    app.config.from_pyfile("config.py", silent=True)
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if test_config:
        app.config.from_mapping(test_config)
    database.configure(app)
    # JSON replies as UTF-8 in the order built: an exam's items are a third of the size of \u escapes
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    security.configure_secret_key(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)
    errors.init_app(app)
    labels.init_app(app)
    security.init_app(app)

    from .admin.views import bp as admin_bp
    from .api.views import bp as api_bp
    from .exams.views import bp as exams_bp
    from .auth.views import bp as auth_bp
    from .items.views import bp as items_bp
    from .main.views import bp as main_bp
    from .media.views import bp as media_bp
    from .papers.views import bp as papers_bp
    from .student.views import bp as student_bp

    for blueprint in (main_bp, auth_bp, items_bp, admin_bp, media_bp, papers_bp, api_bp,
                      exams_bp, student_bp):
        app.register_blueprint(blueprint)
    return app
