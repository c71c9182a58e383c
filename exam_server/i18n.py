"""Language: Chinese by default, English when a user switches it on."""
from flask import Flask, current_app, has_request_context, redirect, request, session, url_for
from flask_babel import get_locale, gettext

from question_bank.problems import Problem


def select_locale() -> str:
    """The user's chosen language in a request; the default (Chinese) elsewhere, e.g. the CLI."""
    chosen = session.get("locale") if has_request_context() else None
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def problem_text(problem: Problem) -> str:
    """A domain problem in the user's language, with its place."""
    message = gettext(problem.template, **problem.params) if problem.params else gettext(problem.template)
    return f"{problem.where}: {message}" if problem.where else message


def init_app(app: Flask) -> None:
    @app.get("/lang/<code>")
    def set_language(code: str):
        if code in current_app.config["LANGUAGES"]:
            session["locale"] = code
        target = request.referrer or ""
        if not target.startswith(request.host_url):
            target = url_for("main.index")
        return redirect(target)

    app.jinja_env.globals["problem_text"] = problem_text

    @app.context_processor
    def locale_context():
        return {"current_locale": str(get_locale())}
