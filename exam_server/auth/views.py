"""Log in, log out, change password; first-login password change is enforced here."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..forms import EmptyForm, flash_problems
from ..hardening import local_target
from ..services import accounts
from ..services.errors import ServiceError
from .forms import ChangePasswordForm, LoginForm

bp = Blueprint("auth", __name__, template_folder="templates")
_ALLOWED_WHILE_MUST_CHANGE = {"auth.change_password", "auth.logout", "static", "set_language",
                              "api.login", "api.logout", "api.openapi_document"}


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        result = accounts.authenticate(form.username.data, form.password.data)
        if result.ok:
            login_user(result.user)
            return redirect(local_target(request.args.get("next"), url_for("main.index")))
        form.password.errors = [_(result.template, **(result.params or {}))]
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    if EmptyForm().validate_on_submit():
        logout_user()
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current.data, form.new.data, form.confirm.data)
        except ServiceError as error:
            flash_problems(form, error)
        else:
            login_user(current_user._get_current_object())  # the new password starts a new session
            flash(_("密码已修改"), "success")
            return redirect(url_for("main.index"))
    return render_template("auth/change_password.html", form=form)


@bp.before_app_request
def require_password_change():
    """Users flagged to change their password can do nothing else first."""
    if (current_user.is_authenticated and current_user.must_change_password
            and request.endpoint not in _ALLOWED_WHILE_MUST_CHANGE):
        if request.path.startswith("/api/"):
            return {"error": {"code": "password_change_required", "message": _("首次登录，请先修改密码")}}, 403
        if request.method == "GET":
            flash(_("首次登录，请先修改密码"), "info")
        return redirect(url_for("auth.change_password"))
    return None
