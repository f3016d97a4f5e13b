"""``homeiq migrate-store``: copy event history between the embedded store and InfluxDB 3.

The copy itself is ``storage.migrate.copy_history``: from the configured store
(``HOMEIQ_STORE``) into the other one, skipping what the target holds already.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from homeiq.commands.runtime import load_cli_settings, open_cli_store
from storage.migrate import CopyResult, copy_history

__all__ = ["CopyResult", "copy_history", "migrate_store", "register"]


def migrate_store(
    to: Annotated[str, typer.Option("--to", help="Target backend: influxdb3 or embedded.")],
    since: Annotated[
        datetime | None,
        typer.Option(help="Copy only events from this UTC time on (default: all history)."),
    ] = None,
    batch_rows: Annotated[int, typer.Option(help="Events per write batch.", min=1)] = 50_000,
) -> None:
    """Copy history from the configured store (HOMEIQ_STORE) into the other backend."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from storage.backends import BACKENDS
    from storage.errors import StoreError
    from storage.events import to_utc

    console = Console(stderr=True)
    if to not in BACKENDS:
        raise typer.BadParameter(f"--to must be one of {', '.join(BACKENDS)}, not {to!r}")
    settings = load_cli_settings()
    if to == settings.store:
        console.print(
            f"[red]HOMEIQ_STORE is already {to}; migrate-store copies from the configured "
            "store into the other one. Set HOMEIQ_STORE to the source backend.[/red]"
        )
        raise typer.Exit(2)
    source = open_cli_store(settings)
    try:
        target = open_cli_store(settings, to)
    except typer.Exit:
        source.close()
        raise
    health = target.health()
    if not health.ok:
        console.print(f"[red]The {to} store does not answer: {health.detail}[/red]")
        source.close()
        target.close()
        raise typer.Exit(1)
    try:
        total = source.stats().events
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
        ) as progress:
            task = progress.add_task(f"{settings.store} -> {to}", total=total or None)
            result = copy_history(
                source,
                target,
                since=to_utc(since) if since is not None else None,
                batch_rows=batch_rows,
                on_batch=lambda rows, _: progress.advance(task, rows),
            )
    except StoreError as err:
        console.print(f"[red]{err}[/red]\nRun the command again: it copies only what is missing.")
        raise typer.Exit(1) from None
    finally:
        source.close()
        target.close()
    skipped = result.read - result.written
    console.print(
        f"copied {result.written} events from {settings.store} to {to} "
        f"({result.read} read, {skipped} skipped: already there, or older than the "
        "target's raw retention)"
    )


def register(app: typer.Typer) -> None:
    """Add ``migrate-store`` to ``app``."""
    app.command("migrate-store")(migrate_store)
