"""``exam-server user …``: accounts from the command line."""
import sys

import click

from ..i18n import problem_text
from ..models import ROLES
from ..services import accounts
from ..services.errors import ProblemsError


@click.group()
def user() -> None:
    """Manage accounts."""


@user.command("add")
@click.option("--username", required=True)
@click.option("--password", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--name", default="")
@click.option("--school", default="")
@click.option("--class", "class_name", default="")
def add(username, password, role, name, school, class_name) -> None:
    """Add one account."""
    try:
        created = accounts.create_user(username=username, password=password, role=role, name=name,
                                       school=school, class_name=class_name)
    except ProblemsError as error:
        for problem in error.problems:
            click.echo(problem_text(problem), err=True)
        sys.exit(1)
    click.echo(f"created {created.role} {created.username} (id {created.id})")
