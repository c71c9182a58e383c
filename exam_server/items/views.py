"""Item authoring for teachers: the list with filters and bulk actions, the editor with
near-duplicate warning and preview, the detail page with versions and review, and the review queue.
"""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from question_bank.model import difficulty_level
from question_bank.problems import N_, Problem, ProblemsError

from ..hardening import arg_int
from ..extensions import db
from ..forms import EmptyForm
from ..i18n import problem_text
from ..models import Item, KnowledgePoint, Subject
from ..security import roles_required
from ..services import items, media
from .forms import BulkForm, ItemFilterForm, ItemForm, ReviewForm, item_form_data, split_tags

bp = Blueprint("items", __name__, url_prefix="/items", template_folder="templates")


@bp.before_request
@roles_required("teacher", "admin")
def teachers_only():
    """Every page here is for teachers and admins; students get 403."""


def _messages(error: ProblemsError) -> list[str]:
    return [problem_text(Problem("", p.template, p.params)) for p in error.problems]


# ---------------------------------------------------------------- the list and bulk actions

@bp.get("/")
def index():
    tree = items.taxonomy_tree()
    filters = ItemFilterForm(request.args)
    filters.set_taxonomy(tree)
    page = db.paginate(items.search(filters.to_filter()), page=arg_int("page", 1), per_page=current_app.config["ITEMS_PER_PAGE"])
    bulk = BulkForm(next=request.full_path)
    bulk.set_taxonomy(tree)
    return render_template("items/index.html", filters=filters, page=page, bulk=bulk, taxonomy=tree,
                           level_of=difficulty_level)


@bp.post("/bulk")
def bulk():
    """Apply one action to the ticked items; any refusal is flashed and changes nothing."""
    form = BulkForm()
    target = form.safe_next(url_for(".index"))
    if not form.validate_on_submit():
        return redirect(target)
    chosen = items.items_by_ids(form.item_ids.data or [])
    action = _BULK_ACTIONS.get(form.action.data)
    if not chosen or action is None:
        flash(_("请先勾选要处理的试题") if not chosen else _("请选择批量操作"), "error")
        return redirect(target)
    try:
        count = action(form, chosen)
    except ProblemsError as error:
        db.session.rollback()
        for message in _messages(error):
            flash(message, "error")
    else:
        flash(_("已处理 %(n)d 道试题", n=count), "success")
    return redirect(target)


def _bulk_move(form, chosen):
    subject = db.session.get(Subject, form.subject_id.data) if form.subject_id.data else None
    if subject is None:
        raise ProblemsError([Problem("", N_("请选择目标科目"))])
    points = [db.session.get(KnowledgePoint, i) for i in form.knowledge_point_ids.data or [] if i]
    return items.move(chosen, subject, [p for p in points if p is not None], current_user)


_BULK_ACTIONS = {
    "retire": lambda form, chosen: items.retire(chosen, current_user),
    "move": _bulk_move,
    "tag": lambda form, chosen: items.add_tags(chosen, split_tags(form.tags.data), current_user),
}


# ---------------------------------------------------------------- the editor

@bp.route("/new", methods=["GET", "POST"])
def new():
    form = ItemForm(category_id=arg_int("category"))
    return _editor(form)


@bp.route("/<int:item_id>/edit", methods=["GET", "POST"])
def edit(item_id):
    item = db.get_or_404(Item, item_id)
    form = ItemForm(data=item_form_data(item, item.latest))
    return _editor(form, item)


def _editor(form: ItemForm, item: Item | None = None):
    """Save a valid, non-duplicate (or confirmed) item; otherwise show the form again."""
    similar = []
    if form.validate_on_submit() and _keep_uploads(form):
        if form.preview.data:  # browsers without ``formaction`` post the preview button here
            return _render_preview(form)
        draft = form.to_draft()
        if not form.confirm_not_duplicate.data:
            similar = items.similar_to_draft(draft, item.id if item else None)
        if not similar:
            try:
                saved = items.update_item(item, draft, current_user) if item else items.create_item(
                    draft, current_user)
            except ProblemsError as error:
                for message in form.attach(error):
                    flash(message, "error")
            else:
                flash(_("试题已保存"), "success")
                return redirect(url_for(".detail", item_id=saved.id))
    tree = items.taxonomy_tree()
    form.set_taxonomy(tree)
    return render_template("items/edit.html", form=form, item=item, similar=similar, taxonomy=tree)


def _keep_uploads(form: ItemForm) -> bool:
    """Store option images posted with the form itself (browsers without JavaScript)."""
    for row, upload in form.uploads():
        try:
            row.image.data = media.store_image(upload.read(), upload.filename, current_user).name
        except ProblemsError as error:
            row.image_file.errors = [problem_text(p) for p in error.problems]
            form.option_errors.extend(row.image_file.errors)
            return False
    return True


@bp.post("/preview")
def preview():
    """Render the unsaved draft as a student will see it, with what still needs fixing; saves nothing."""
    form = ItemForm()
    shaped = form.validate_on_submit() and _keep_uploads(form)
    return _render_preview(form, [] if shaped else _form_errors(form))


def _render_preview(form: ItemForm, form_errors=()):
    domain, problems = items.preview_draft(form.to_draft())
    return render_template("items/preview.html", item=domain,
                           problems=list(form_errors) + _messages(ProblemsError(problems)))


def _form_errors(form: ItemForm) -> list[str]:
    """The form's own messages (a number that is not one, a bad image), each after its field's label."""
    found = [f"{form[name].label.text}：{error}" for name, errors in form.errors.items()
             for error in errors if not isinstance(error, (dict, list))]
    return found + form.option_errors


# ---------------------------------------------------------------- detail, review and status

@bp.get("/<int:item_id>")
def detail(item_id):
    item = db.get_or_404(Item, item_id)
    number = arg_int("version", item.latest_version)
    version = item.version(number)
    if version is None:
        abort(404)
    return render_template("items/detail.html", item=item, version=version,
                           domain=items.to_domain(item, version), review_form=ReviewForm(),
                           action_form=EmptyForm())


@bp.post("/<int:item_id>/submit")
def submit(item_id):
    return _act(item_id, lambda item: items.submit_for_review(item, current_user), _("已提交审核"))


@bp.post("/<int:item_id>/retire")
def retire(item_id):
    return _act(item_id, lambda item: items.retire([item], current_user), _("试题已停用"))


@bp.post("/<int:item_id>/restore")
def restore(item_id):
    return _act(item_id, lambda item: items.restore(item, current_user), _("试题已恢复"))


@bp.post("/<int:item_id>/review")
def review(item_id):
    form = ReviewForm()
    comment = form.comment.data or ""
    if form.reject.data:
        return _act(item_id, lambda item: items.reject(item, current_user, comment),
                    _("已退回给作者"), form)
    return _act(item_id, lambda item: items.approve(item, current_user, comment.strip()),
                _("审核通过，试题已发布"), form)


def _act(item_id, action, done: str, form=None):
    """Run one action on an item from a button on its page; report the outcome there."""
    item = db.get_or_404(Item, item_id)
    if (form or EmptyForm()).validate_on_submit():
        try:
            action(item)
        except ProblemsError as error:
            db.session.rollback()
            for message in _messages(error):
                flash(message, "error")
        else:
            flash(done, "success")
    return redirect(url_for(".detail", item_id=item_id))


@bp.get("/review")
def review_queue():
    page = db.paginate(items.review_queue(current_user), page=arg_int("page", 1), per_page=current_app.config["ITEMS_PER_PAGE"])
    return render_template("items/review_queue.html", page=page, level_of=difficulty_level)
