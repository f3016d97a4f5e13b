"""The ``homeiq`` command line: assembles the command modules of ``homeiq.commands``.

Each module in COMMAND_MODULES has ``register(app: typer.Typer) -> None`` adding its commands;
adding a module is adding its name here. Shared start-up (settings, logging, stores) lives in
``homeiq.commands.runtime``; nothing imports this module except the console-script entry.
"""

from __future__ import annotations

import importlib
from typing import Final

import typer

COMMAND_MODULES: Final[tuple[str, ...]] = (
    "store_cmds",
    "ingest_cmds",
    "app_cmds",
    "migrate_cmds",
    "analyze_cmds",
    "forecast_cmds",
    "suggestion_cmds",
    "roles_cmds",
    "auth_cmds",
)

app = typer.Typer(
    name="homeiq",
    help="HomeIQ Workbench: analytics for a Home Assistant home.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for _name in COMMAND_MODULES:
    importlib.import_module(f"homeiq.commands.{_name}").register(app)


if __name__ == "__main__":
    app()
