"""Errors services raise for the views and CLI to show."""
from question_bank.problems import N_, Problem, ProblemsError

__all__ = ["N_", "Problem", "ProblemsError", "Refused", "ServiceError"]


class ServiceError(ProblemsError):
    """A use-case refused: one problem, usually tied to a form field."""

    def __init__(self, template: str, where: str = "", **params):
        super().__init__([Problem(where, template, params)])


class Refused(ServiceError):
    """A request the rules refuse, with a stable ``code`` for API clients and an HTTP ``status``.

    ``Refused("deadline_passed", 409, N_("考试时间已到，此次保存未被接受"))``.
    """

    def __init__(self, code: str, status: int, template: str, where: str = "", **params):
        super().__init__(template, where, **params)
        self.code = code
        self.status = status
