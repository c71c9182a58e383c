"""``exam-server init``: create or upgrade the database, seed the taxonomy, load demo data."""
import os
import sys

import click
from flask import current_app
from flask_migrate import upgrade

from ..i18n import problem_text
from ..services import blueprints
from ..services import demo as demo_service
from ..services import taxonomy
from ..services.errors import ProblemsError


def migrations_dir() -> str:
    return os.path.join(os.path.dirname(current_app.root_path), "migrations")


def upgrade_database() -> None:
    """Bring the schema to the newest Alembic revision (creating it on an empty database)."""
    upgrade(directory=migrations_dir())


@click.command()
@click.option("--demo", is_flag=True, help="Also load the demo banks and demo accounts.")
def init(demo: bool) -> None:
    """Create or upgrade the database and seed the ten categories. Safe to run again."""
    upgrade_database()
    added = taxonomy.seed_categories()
    where = current_app.config["SQLALCHEMY_DATABASE_URI"].split("@")[-1]  # never print a password
    click.echo(f"数据库已就绪：{where}")
    click.echo(f"分类：新增 {added} 个大类和科目")
    click.echo(f"组卷方案：新增 {blueprints.ensure_default_blueprints()} 个默认方案")
    if demo:
        try:
            demo_service.load_and_report(click.echo)
        except ProblemsError as error:
            for problem in error.problems:
                click.echo(problem_text(problem), err=True)
            click.echo("示范题库有问题，未能全部载入", err=True)
            sys.exit(1)
