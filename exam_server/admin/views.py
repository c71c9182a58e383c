from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")


@bp.get("/users")
def users():
    return ""


@bp.get("/taxonomy")
def taxonomy():
    return ""
