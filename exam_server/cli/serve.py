"""``exam-server serve``: a production server on the LAN."""
import os
import sys

import click
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import current_app
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from .. import create_app, finaliser, serving
from ..extensions import db
from .setup import migrations_dir


def schema_problem() -> str | None:
    """Why the database cannot be served yet, or None when it is at the newest revision."""
    if _sqlite_file_missing():
        # connecting would leave an empty file behind
        return "数据库尚未初始化：请先运行 exam-server init"
    script = ScriptDirectory(migrations_dir())
    try:
        with db.engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except OperationalError as error:
        return f"无法连接数据库：{error.orig}"
    finally:
        # gunicorn forks after this: no pooled connection may be inherited by a worker
        db.engine.dispose()
    if not current:
        return "数据库尚未初始化：请先运行 exam-server init"
    try:
        for revision in current:
            script.get_revision(revision)
    except CommandError:
        return "数据库来自更新版本的程序，本程序无法使用它（数据库版本：" + ", ".join(sorted(current)) + "）"
    if current != set(script.get_heads()):
        return "数据库版本过旧：请先运行 exam-server init 升级"
    return None


def _sqlite_file_missing() -> bool:
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    return (url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
            and not os.path.exists(url.database))


def waitress_app_factory(threads: int):
    """Build the app with one pooled connection per waitress thread (none opened per request)."""
    options = dict(current_app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    options["pool_size"] = max(threads, options.get("pool_size", 5))
    return lambda: create_app({"SQLALCHEMY_ENGINE_OPTIONS": options})


@click.command()
@click.option("--host", default="0.0.0.0", show_default=True,
              help="Address to listen on; 0.0.0.0 means every network interface.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", type=click.IntRange(min=1),
              help="gunicorn worker processes  [default: 2 per CPU core]")
@click.option("--threads", type=click.IntRange(min=1),
              help=f"waitress threads  [default: {serving.default_threads()}]")
@click.option("--server", type=click.Choice(serving.SERVERS),
              help="[default: gunicorn where it runs (Linux), else waitress (Windows)]")
def serve(host: str, port: int, workers: int | None, threads: int | None,
          server: str | None) -> None:
    """Run the production server until Ctrl-C and print the addresses to open."""
    problem = schema_problem()
    if problem:
        click.echo(problem, err=True)
        sys.exit(1)
    server = server or serving.default_server()
    if server == "gunicorn" and not serving.gunicorn_available():
        click.echo("gunicorn 不能在本系统上运行（Windows），请使用 --server waitress", err=True)
        sys.exit(1)
    workers = workers or serving.default_workers()
    threads = threads or serving.default_threads()
    if server == "gunicorn":
        click.echo(f"服务器：gunicorn，{workers} 个工作进程")
        factory = create_app
    else:
        click.echo(f"服务器：waitress，{threads} 个线程")
        factory = waitress_app_factory(threads)
    click.echo("在浏览器中打开：")
    for url in serving.lan_urls(host, port):
        click.echo(f"  {url}")
    click.echo("按 Ctrl-C 停止。", nl=True)
    sys.stdout.flush()
    serving.run(server, finaliser.with_finaliser(factory), host, port, workers, threads)
