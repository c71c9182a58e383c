"""Error pages in the user's language; an error never shows a stack trace."""
from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from .extensions import db

_TITLES = {
    400: lambda: _("请求有误"),
    403: lambda: _("没有权限访问此页面"),
    404: lambda: _("页面不存在"),
    405: lambda: _("不支持此操作"),
    413: lambda: _("上传的文件过大"),
    500: lambda: _("服务器内部错误"),
}


_API_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 413: "too_large", 500: "server_error"}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _render(code: int, detail: str = "", api_code: str = ""):
    title = _TITLES.get(code, _TITLES[500])()
    if _wants_json():
        return {"error": {"code": api_code or _API_CODES.get(code, "error"), "message": detail or title}}, code
    return render_template("error.html", code=code, title=title, detail=detail), code


def init_app(app: Flask) -> None:
    for code in _TITLES:
        if code != 500:
            app.register_error_handler(code, lambda error, code=code: _render(code))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _render(400, _("页面已过期或缺少安全令牌，请刷新页面后重试。"), "csrf")

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return _render(500, _("操作未完成，已保存的数据不受影响。请稍后重试或联系管理员。"))
