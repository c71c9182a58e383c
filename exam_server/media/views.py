"""Item images: served to any logged-in user, uploaded by teachers from the rich-text editor."""
from flask import Blueprint, abort, send_file, url_for
from flask_login import current_user, login_required

from question_bank.problems import ProblemsError
from question_bank.richtext import MEDIA_SRC

from ..i18n import problem_text
from ..security import roles_required
from ..services import media
from .forms import UploadForm

bp = Blueprint("media", __name__, url_prefix="/media")
#: a name is the SHA-256 of the content, so a file never changes under its name
ONE_YEAR = 365 * 24 * 3600


@bp.get("/<name>")
@login_required
def serve(name):
    """The image stored under ``name``.

    :raise 404: for a name that is not a media name, or not stored.
    """
    stored = media.get_media(name) if MEDIA_SRC.match(f"/media/{name}") else None
    if stored is None:
        abort(404)
    try:
        response = send_file(media.media_path(name), mimetype=stored.mime, max_age=ONE_YEAR, etag=name)
    except FileNotFoundError:
        abort(404)
    response.cache_control.public = False
    response.cache_control.private = True
    response.cache_control.immutable = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.post("/upload")
@roles_required("teacher", "admin")
def upload():
    """Keep an uploaded image; answers JSON ``{"name", "url"}``, or ``{"error"}`` with status 400."""
    form = UploadForm()
    if not form.validate_on_submit():
        return {"error": "；".join(str(e) for errors in form.errors.values() for e in errors)}, 400
    upload_file = form.file.data
    try:
        stored = media.store_image(upload_file.read(), upload_file.filename or "", current_user)
    except ProblemsError as error:
        return {"error": "；".join(problem_text(p) for p in error.problems)}, 400
    return {"name": stored.name, "url": url_for(".serve", name=stored.name)}
