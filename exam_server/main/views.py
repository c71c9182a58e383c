"""The home page each role lands on."""
from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..student.views import exam_rows

bp = Blueprint("main", __name__, template_folder="templates")


@bp.get("/")
@login_required
def index():
    if current_user.role in ("teacher", "admin"):
        return redirect(url_for("items.index"))
    if current_user.role == "proctor":
        return redirect(url_for("exams.index"))
    if current_user.role == "student":
        return render_template("main/home.html", exam_rows=exam_rows())
    return render_template("main/home.html")
