"""Administration: accounts (list, add, edit, lock-outs, student import) and the taxonomy tree."""
from flask import (Blueprint, Response, current_app, flash, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..hardening import arg_int, local_target
from ..forms import EmptyForm, attach_problems, flash_problems
from ..i18n import problem_text
from ..models import Category, KnowledgePoint, Subject, User, utcnow
from ..security import roles_required
from ..services import accounts, taxonomy as taxonomy_service, user_import
from ..services.errors import Problem, ProblemsError, ServiceError
from .forms import (CategoryForm, EditUserForm, ImportForm, NameForm, NewUserForm, ResetPasswordForm,
                    UserFilterForm)

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")
NODE_KINDS = {"category": Category, "subject": Subject, "point": KnowledgePoint}


@bp.before_request
@roles_required("admin")
def require_admin():
    """Every page here is for admins only; others get 403."""


def _back():
    """Back to the page the action was taken on (a list keeps its filters and page)."""
    return redirect(local_target(request.form.get("next"), url_for("admin.users"), prefix="/admin/"))


def _flash_all(form, error: ProblemsError | None = None) -> None:
    """Flash the form's field errors and the error's messages, without field names:
    the pages here hold many small forms, and the message is shown above them all."""
    for field in form:
        for message in field.errors:
            flash(message, "error")
    for problem in error.problems if error else ():
        flash(problem_text(Problem("", problem.template, problem.params)), "error")


# ---------------------------------------------------------------- users

@bp.get("/users")
def users():
    form = UserFilterForm(formdata=request.args)
    school_id = form.id_of(form.school)
    form.fill_choices(accounts.schools(), accounts.school_classes(school_id))
    now = utcnow()
    query = accounts.user_query(form.role.data or "", school_id, form.id_of(form.klass),
                                form.q.data or "", form.status.data or "", now)
    pagination = db.paginate(query, page=arg_int("page", 1), per_page=current_app.config.get("USERS_PER_PAGE", 50),
                             max_per_page=200)
    return render_template("admin/users.html", form=form, pagination=pagination, now=now,
                           locked_count=len(accounts.locked_users(now)))


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            created = accounts.create_user(
                username=form.username.data, password=form.password.data, role=form.role.data,
                name=form.name.data, school=form.school.data, class_name=form.class_name.data,
                must_change_password=form.must_change_password.data)
        except ServiceError as error:
            flash_problems(form, error)
        else:
            flash(_("已添加用户 %(username)s", username=created.username), "success")
            return redirect(url_for("admin.users", q=created.username))
    return render_template("admin/user_new.html", form=form, schools=accounts.schools())


def _render_edit(user: User, form=None, password_form=None):
    form = form or EditUserForm(data={"name": user.name, "role": user.role,
                                      "school": user.school.name if user.school else "",
                                      "class_name": user.school_class.name if user.school_class else ""})
    return render_template("admin/user_edit.html", user=user, form=form, now=utcnow(),
                           password_form=password_form or ResetPasswordForm(formdata=None),
                           schools=accounts.schools())


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):
    user = db.get_or_404(User, user_id)
    form = EditUserForm() if request.method == "POST" else None
    if form and form.validate_on_submit():
        try:
            accounts.update_user(user, form.name.data, form.role.data, form.school.data,
                                 form.class_name.data, by=current_user)
        except ServiceError as error:
            flash_problems(form, error)
        else:
            flash(_("已保存"), "success")
            return redirect(url_for("admin.edit_user", user_id=user.id))
    return _render_edit(user, form=form)


@bp.post("/users/<int:user_id>/password")
def reset_password(user_id: int):
    user = db.get_or_404(User, user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(user, form.password.data)
        except ServiceError as error:
            flash_problems(form, error)
        else:
            flash(_("已重置 %(username)s 的密码，该用户下次登录时须修改密码", username=user.username), "success")
            return redirect(url_for("admin.edit_user", user_id=user.id))
    return _render_edit(user, password_form=form)


@bp.post("/users/<int:user_id>/unlock")
def unlock(user_id: int):
    user = db.get_or_404(User, user_id)
    if EmptyForm().validate_on_submit():
        accounts.unlock(user)
        flash(_("已解锁 %(username)s", username=user.username), "success")
    return _back()


@bp.post("/users/<int:user_id>/<any(enable, disable):action>")
def set_enabled(user_id: int, action: str):
    user, form = db.get_or_404(User, user_id), EmptyForm()
    if form.validate_on_submit():
        try:
            accounts.set_enabled(user, action == "enable", by=current_user)
        except ServiceError as error:
            _flash_all(form, error)
        else:
            flash(_("已启用 %(username)s", username=user.username) if action == "enable"
                  else _("已禁用 %(username)s", username=user.username), "success")
    return _back()


@bp.route("/users/import", methods=["GET", "POST"])
def import_users():
    form = ImportForm()
    problems = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            summary = user_import.import_students(upload.read(), upload.filename,
                                                  form.default_password.data or "")
        except ProblemsError as error:
            problems = attach_problems(form, error)
        else:
            flash(_("已导入 %(n)d 名学生；新建学校 %(schools)d 所，新建班级 %(classes)d 个",
                    n=summary.created, schools=len(summary.schools), classes=len(summary.classes)),
                  "success")
            return redirect(url_for("admin.users", role="student"))
    return render_template("admin/import.html", form=form, problems=problems,
                           max_rows=user_import.MAX_ROWS)


@bp.get("/users/import/template.csv")
def import_template():
    return Response(user_import.template_csv(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=students.csv"})


# ---------------------------------------------------------------- taxonomy

@bp.get("/taxonomy")
def taxonomy():
    by_subject, by_point = taxonomy_service.item_counts()
    return render_template("admin/taxonomy.html", categories=taxonomy_service.categories(),
                           by_subject=by_subject, by_point=by_point,
                           category_form=CategoryForm(formdata=None))


def _taxonomy_change(form, change, anchor: str = ""):
    """Run ``change()`` if the form is valid; show what went wrong; back to the tree."""
    if form.validate_on_submit():
        try:
            change()
        except ServiceError as error:
            _flash_all(form, error)
        else:
            flash(_("已保存"), "success")
    else:
        _flash_all(form)
    return redirect(url_for("admin.taxonomy") + (f"#{anchor}" if anchor else ""))


@bp.post("/taxonomy/categories")
def add_category():
    form = CategoryForm()
    return _taxonomy_change(form, lambda: taxonomy_service.add_category(form.code.data, form.name.data))


@bp.post("/taxonomy/category/<int:node_id>/subjects")
def add_subject(node_id: int):
    category, form = db.get_or_404(Category, node_id), NameForm()
    return _taxonomy_change(form, lambda: taxonomy_service.add_subject(category, form.name.data),
                            f"category-{category.id}")


@bp.post("/taxonomy/subject/<int:node_id>/points")
def add_point(node_id: int):
    subject, form = db.get_or_404(Subject, node_id), NameForm()
    return _taxonomy_change(form, lambda: taxonomy_service.add_knowledge_point(subject, form.name.data),
                            f"subject-{subject.id}")


@bp.post("/taxonomy/<any(category, subject, point):kind>/<int:node_id>/rename")
def rename_node(kind: str, node_id: int):
    node, form = db.get_or_404(NODE_KINDS[kind], node_id), NameForm()
    return _taxonomy_change(form, lambda: taxonomy_service.rename(node, form.name.data),
                            f"{kind}-{node.id}")


@bp.post("/taxonomy/<any(category, subject, point):kind>/<int:node_id>/delete")
def delete_node(kind: str, node_id: int):
    node = db.get_or_404(NODE_KINDS[kind], node_id)
    return _taxonomy_change(EmptyForm(), lambda: taxonomy_service.delete(node))
