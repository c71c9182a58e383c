"""Papers for teachers: blueprints (组卷方案) edited as a grid, imported and exported; assembly
into one paper or parallel forms; a paper picked by hand; the paper list, preview and PDFs.
"""
import random

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from question_bank.pdf.headings import chinese_numeral
from question_bank.problems import Problem, ProblemsError

from ..hardening import arg_int
from ..extensions import db
from ..forms import EmptyForm
from ..i18n import problem_text
from ..models import Blueprint as BlueprintRecord, Category, Paper
from ..security import roles_required
from ..services import blueprints, items, papers, taxonomy
from .downloads import attachment, pdf_filename
from .forms import (AssembleForm, BlueprintForm, FixedPaperForm, ImportForm, PaperFilterForm,
                    blueprint_form_data)
from .paging import ListPage

bp = Blueprint("papers", __name__, url_prefix="/papers", template_folder="templates",
               static_folder="static")

PDF_KINDS = ("paper", "answer-sheet", "key")
PDF_LAYOUTS = ("a4", "a3", "b4")


@bp.before_request
@roles_required("teacher", "admin")
def teachers_only():
    """Every page here is for teachers and admins; students get 403."""


def _flash(messages) -> None:
    for message in messages:
        flash(message, "error")


def _messages(error: ProblemsError) -> list[str]:
    return [problem_text(Problem("", p.template, p.params)) for p in error.problems]


def _category_tree(category: Category) -> dict:
    return next(c for c in items.taxonomy_tree() if c["id"] == category.id)


# ---------------------------------------------------------------- blueprints

@bp.get("/blueprints")
def blueprint_list():
    return render_template("papers/blueprints.html", categories=taxonomy.categories(),
                           records=blueprints.list_blueprints(), import_form=ImportForm(),
                           action_form=EmptyForm())


@bp.route("/blueprints/new", methods=["GET", "POST"])
def blueprint_new():
    category = db.get_or_404(Category, arg_int("category"))
    form = BlueprintForm(data=blueprint_form_data("", blueprints.default_spec(category)))
    return _grid(form, category)


@bp.route("/blueprints/<int:blueprint_id>/edit", methods=["GET", "POST"])
def blueprint_edit(blueprint_id):
    record = db.get_or_404(BlueprintRecord, blueprint_id)
    form = BlueprintForm(data=blueprint_form_data(record.name, record.spec))
    return _grid(form, record.category, record)


def _grid(form: BlueprintForm, category: Category, record: BlueprintRecord | None = None):
    """Save a blueprint the domain accepts; otherwise show the grid again with each problem at its row."""
    if form.validate_on_submit():
        spec = form.to_spec(category.code)
        try:
            if record:
                blueprints.update_blueprint(record, form.name.data, spec, current_user)
            else:
                blueprints.create_blueprint(form.name.data, category, spec, current_user)
        except ProblemsError as error:
            db.session.rollback()
            _flash(form.attach(error))
            flash(_("方案有问题，未保存；请按提示修改。"), "error")
        else:
            flash(_("组卷方案已保存"), "success")
            return redirect(url_for(".blueprint_list"))
    if not form.is_submitted():
        form.add_spare_rows()
    tree = _category_tree(category)
    form.set_taxonomy(tree)
    return render_template("papers/blueprint_edit.html", form=form, category=category, record=record,
                           taxonomy=tree)


@bp.get("/blueprints/<int:blueprint_id>/export/<fmt>")
def blueprint_export(blueprint_id, fmt):
    record = db.get_or_404(BlueprintRecord, blueprint_id)
    if fmt not in blueprints.EXPORT_FORMATS:
        abort(404)
    data, filename = blueprints.export_blueprint(record, fmt)
    mimetype = "application/json" if fmt == "json" else "application/yaml"
    return attachment(data, mimetype, filename, f"blueprint-{record.id}.{fmt}")


@bp.post("/blueprints/import")
def blueprint_import():
    form = ImportForm()
    upload = form.file.data
    if not form.validate_on_submit() or not getattr(upload, "filename", ""):
        flash(_("请选择要导入的方案文件"), "error")
        return redirect(url_for(".blueprint_list"))
    try:
        record = blueprints.import_blueprint(upload.read(), upload.filename, current_user)
    except ProblemsError as error:
        db.session.rollback()
        _flash(problem_text(p) for p in error.problems)
    else:
        flash(_("已导入组卷方案“%(name)s”", name=record.name), "success")
    return redirect(url_for(".blueprint_list"))


@bp.post("/blueprints/<int:blueprint_id>/delete")
def blueprint_delete(blueprint_id):
    record = db.get_or_404(BlueprintRecord, blueprint_id)
    if EmptyForm().validate_on_submit():
        blueprints.delete_blueprint(record)
        flash(_("组卷方案已删除"), "success")
    return redirect(url_for(".blueprint_list"))


# ---------------------------------------------------------------- assembly

@bp.route("/blueprints/<int:blueprint_id>/assemble", methods=["GET", "POST"])
def assemble(blueprint_id):
    """Assemble one paper or K parallel forms; a shortage is reported in full and nothing is stored."""
    record = db.get_or_404(BlueprintRecord, blueprint_id)
    form = AssembleForm(seed=str(random.randint(1, 999999)))
    shortage = []
    if form.validate_on_submit():
        try:
            made = papers.assemble_papers(record, user=current_user, **form.options())
        except ProblemsError as error:
            db.session.rollback()
            shortage = _messages(error)
        else:
            flash(_("已组成 %(n)d 份试卷", n=len(made)), "success")
            return redirect(url_for(".paper_detail", paper_id=made[0].id))
    return render_template("papers/assemble.html", form=form, record=record, shortage=shortage)


# ---------------------------------------------------------------- a paper picked by hand

@bp.route("/fixed/new", methods=["GET", "POST"])
def fixed_new():
    category = db.get_or_404(Category, arg_int("category"))
    form = FixedPaperForm()
    if form.validate_on_submit():
        try:
            paper = papers.create_fixed_paper(form.title.data.strip(), category, int(form.minutes.data),
                                              form.to_sections(), current_user)
        except ProblemsError as error:
            db.session.rollback()
            _flash(form.attach(error))
            flash(_("试卷有问题，未保存；请按提示修改。"), "error")
        else:
            flash(_("试卷已保存"), "success")
            return redirect(url_for(".paper_detail", paper_id=paper.id))
    return render_template("papers/fixed_new.html", form=form, category=category)


# ---------------------------------------------------------------- papers

@bp.get("/")
def paper_list():
    filters = PaperFilterForm(request.args)
    filters.set_categories(taxonomy.categories())
    page = ListPage(papers.list_papers(filters.category.data), arg_int("page", 1),
                    current_app.config["ITEMS_PER_PAGE"])
    return render_template("papers/index.html", filters=filters, page=page)


@bp.get("/<int:paper_id>")
def paper_detail(paper_id):
    paper = db.get_or_404(Paper, paper_id)
    domain = papers.paper_to_domain(paper)
    return render_template("papers/detail.html", paper=paper, domain=domain, stats=papers.paper_stats(domain),
                           siblings=papers.sibling_forms(paper),
                           numeral=chinese_numeral, action_form=EmptyForm())


@bp.get("/<int:paper_id>/pdf/<kind>")
def paper_pdf(paper_id, kind):
    paper = db.get_or_404(Paper, paper_id)
    layout = request.args.get("layout", "a4")
    if kind not in PDF_KINDS or layout not in PDF_LAYOUTS:
        abort(404)
    data = papers.render_pdf(paper, kind, layout)
    return attachment(data, "application/pdf", pdf_filename(paper, kind, layout),
                      f"paper-{paper.id}-{kind}-{layout}.pdf")


@bp.post("/<int:paper_id>/delete")
def paper_delete(paper_id):
    paper = db.get_or_404(Paper, paper_id)
    if EmptyForm().validate_on_submit():
        papers.delete_paper(paper)
        flash(_("试卷已删除"), "success")
    return redirect(url_for(".paper_list"))
