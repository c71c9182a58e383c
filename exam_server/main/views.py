"""The home page each role lands on."""
from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

bp = Blueprint("main", __name__, template_folder="templates")


@bp.get("/")
@login_required
def index():
    if current_user.role in ("teacher", "admin"):
        return redirect(url_for("items.index"))
    return render_template("main/home.html")
