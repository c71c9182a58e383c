"""Errors services raise for the views and CLI to show."""
from question_bank.problems import N_, Problem, ProblemsError

__all__ = ["N_", "Problem", "ProblemsError", "ServiceError"]


class ServiceError(ProblemsError):
    """A use-case refused: one problem, usually tied to a form field."""

    def __init__(self, template: str, where: str = "", **params):
        super().__init__([Problem(where, template, params)])
