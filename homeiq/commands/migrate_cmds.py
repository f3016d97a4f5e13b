"""``homeiq migrate-store``: copy event history between the embedded store and InfluxDB 3.

The copy reads the configured store (``HOMEIQ_STORE``) day by day with ``iter_read`` and
writes into the other one. Stores skip events whose (entity_id, time, source) they hold
already, so running it again, or after an interruption, copies only what is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from homeiq.settings import Settings
    from storage.protocol import TimeSeriesStore

BACKENDS = ("embedded", "influxdb3")
WINDOW = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class CopyResult:
    """What a copy did: events read from the source and newly stored in the target."""

    read: int
    written: int


def copy_history(
    source: TimeSeriesStore,
    target: TimeSeriesStore,
    *,
    since: datetime | None = None,
    batch_rows: int = 50_000,
    on_batch: Callable[[int, int], None] | None = None,
) -> CopyResult:
    """Copy every event of ``source`` (from ``since``) into ``target``; return the counts."""
    stats = source.stats()
    if stats.oldest is None or stats.newest is None:
        return CopyResult(read=0, written=0)
    start = max(stats.oldest, since) if since is not None else stats.oldest
    end = stats.newest + timedelta(microseconds=1)
    read = written = 0
    window_start = start
    while window_start < end:
        window_end = min(window_start + WINDOW, end)
        for frame in source.iter_read(None, window_start, window_end, batch_rows=batch_rows):
            result = target.write(frame)
            read += frame.height
            written += result.written
            if on_batch is not None:
                on_batch(frame.height, result.written)
        window_start = window_end
    maintain = getattr(target, "maintain_rollups", None)
    if callable(maintain):
        from storage.events import now_utc

        maintain(now_utc())
    return CopyResult(read=read, written=written)


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
