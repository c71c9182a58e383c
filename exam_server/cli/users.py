"""``exam-server user …``: accounts from the command line."""
import os
import sys

import click

from ..i18n import problem_text
from ..models import ROLES
from ..services import accounts, user_import
from ..services.errors import Problem, ProblemsError


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


@user.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--default-password", default="", help="Password for rows whose 初始密码 is blank.")
def import_(file, default_password) -> None:
    """Import students from a CSV or xlsx roster (学号, 姓名, 班级, 学校, 初始密码).

    Every error is printed with its file and row, and then nothing is imported.
    """
    with open(file, "rb") as handle:
        data = handle.read()
    try:
        summary = user_import.import_students(data, os.path.basename(file), default_password)
    except ProblemsError as error:
        for problem in error.problems:
            if problem.where == "default_password":
                problem = Problem("--default-password", problem.template, problem.params)
            click.echo(problem_text(problem), err=True)
        click.echo(f"共 {len(error.problems)} 处错误，未导入任何学生", err=True)
        sys.exit(1)
    click.echo(f"已导入 {summary.created} 名学生")
    if summary.schools:
        click.echo(f"新建学校 {len(summary.schools)} 所：{'、'.join(summary.schools)}")
    if summary.classes:
        click.echo(f"新建班级 {len(summary.classes)} 个：{'、'.join(summary.classes)}")
