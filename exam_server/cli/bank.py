"""``exam-server bank …``: import, export and count items."""
import click


@click.group()
def bank() -> None:
    """Item banks: import, export, statistics."""
