"""The ``exam-server`` command: the same services as the web UI, for IT staff and scripts."""
import click

from .. import create_app
from . import bank, exams, papers, serve, setup, users


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def main(ctx: click.Context) -> None:
    """技能高考题库与考试系统 (exam server) command line."""
    app = create_app()
    ctx.obj = app
    ctx.with_resource(app.app_context())


main.add_command(setup.init)
main.add_command(serve.serve)
main.add_command(users.user)
main.add_command(bank.bank)
main.add_command(papers.paper)
main.add_command(papers.blueprint)
main.add_command(exams.exam)
