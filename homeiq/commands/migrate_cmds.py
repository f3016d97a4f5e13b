"""``homeiq migrate-store``: copy event history between the embedded store and InfluxDB 3.

The copy itself is ``storage.migrate.copy_history``: from the configured store
(``HOMEIQ_STORE``) into the other one, skipping what the target holds already.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from storage.migrate import CopyResult, copy_history

if TYPE_CHECKING:
    from homeiq.settings import Settings
    from storage.protocol import TimeSeriesStore

BACKENDS = ("embedded", "influxdb3")
__all__ = ["CopyResult", "copy_history", "migrate_store", "open_backend", "register"]


def open_backend(settings: Settings, backend: str) -> TimeSeriesStore:
    """Return the store ``backend`` configured by ``settings``."""
    from homeiq.store_config import open_configured_store

    return open_configured_store(settings, backend)


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

    from homeiq.settings import SettingsError, load_settings
    from storage.errors import StoreError
    from storage.events import to_utc

    console = Console(stderr=True)
    if to not in BACKENDS:
        raise typer.BadParameter(f"--to must be one of {', '.join(BACKENDS)}, not {to!r}")
    try:
        settings = load_settings()
    except SettingsError as err:
        console.print(f"[red]{err}[/red]")
        raise typer.Exit(2) from None
    if to == settings.store:
        console.print(
            f"[red]HOMEIQ_STORE is already {to}; migrate-store copies from the configured "
            "store into the other one. Set HOMEIQ_STORE to the source backend.[/red]"
        )
        raise typer.Exit(2)
    try:
        source = open_backend(settings, settings.store)
        target = open_backend(settings, to)
    except StoreError as err:
        console.print(f"[red]{err}[/red]")
        raise typer.Exit(1) from None
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
