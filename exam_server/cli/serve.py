"""``exam-server serve``: a production server on the LAN."""
import click


@click.command()
def serve() -> None:
    """Run the production server."""
