"""The ``homeiq`` command line; each command group lives in ``homeiq.commands``."""

from __future__ import annotations

import logging

import typer

from homeiq.commands import app_cmds, ingest_cmds, migrate_cmds, store_cmds

app = typer.Typer(
    name="homeiq",
    help="HomeIQ Workbench: analytics for a Home Assistant home.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for _module in (store_cmds, ingest_cmds, app_cmds, migrate_cmds):
    _module.register(app)


def configure_logging(level: str) -> None:
    """Set up plain %-style logging on stderr at ``level``."""
    logging.basicConfig(
        level=getattr(logging, level, logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


if __name__ == "__main__":
    app()
