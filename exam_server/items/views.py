from flask import Blueprint

bp = Blueprint("items", __name__, url_prefix="/items", template_folder="templates")


@bp.get("/")
def index():
    return ""


@bp.get("/review")
def review_queue():
    return ""
