"""Form helpers shared by the feature blueprints."""
import math

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from question_bank.problems import ProblemsError

from .hardening import bounded_int
from .i18n import problem_text


def to_int(text, default=None):
    """A whole number typed into a form (within what a database integer holds), or ``default``."""
    return bounded_int(text, default)


def to_number(text, default=None):
    """A finite number typed into a form, or ``default``."""
    try:
        value = float(str(text).strip())
    except (TypeError, ValueError):
        return default
    return value if math.isfinite(value) else default


def is_number(form, field) -> None:
    """Validator: blank, or a number."""
    if isinstance(field.data, str) and field.data.strip() and to_number(field.data) is None:
        raise ValidationError(_l("请输入数字"))


def is_whole_number(form, field) -> None:
    """Validator: blank, or a whole number."""
    if isinstance(field.data, str) and field.data.strip() and to_int(field.data) is None:
        raise ValidationError(_l("请输入整数"))


def choice(value, label, group=None) -> SelectChoice:
    """One option of a select field (WTForms 3.3 deprecates tuples)."""
    return SelectChoice(value=value, label=label, optgroup=group)


def choices(pairs) -> list[SelectChoice]:
    return [choice(value, label) for value, label in pairs]


class EmptyForm(FlaskForm):
    """A button-only POST: carries just the CSRF token."""


def attach_problems(form: FlaskForm, error: ProblemsError) -> list[str]:
    """Put each problem on the form field it names; return the ones that name no field."""
    loose = []
    for problem in error.problems:
        field = getattr(form, problem.where, None) if problem.where else None
        if field is not None and hasattr(field, "errors"):
            message = problem_text(problem.__class__("", problem.template, problem.params))
            field.errors = list(field.errors) + [message]
        else:
            loose.append(problem_text(problem))
    return loose


def flash_problems(form: FlaskForm, error: ProblemsError) -> None:
    """Show a service's refusal: problems on their fields, the rest as flashed errors."""
    for message in attach_problems(form, error):
        flash(message, "error")
