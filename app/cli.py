"""Registers every area's ``flask`` command group."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Add the command groups to ``app.cli``."""
    from app.auth.commands import moderators_cli
    from app.content.commands import content_cli

    app.cli.add_command(content_cli)
    app.cli.add_command(moderators_cli)
