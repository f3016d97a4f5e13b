"""`homeiq ingest` (the worker, in the foreground) and `homeiq import-recorder PATH`."""

from __future__ import annotations

import os
from datetime import time as dt_time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from homeiq.commands.runtime import load_cli_settings, open_cli_store, open_optional_metadata

if TYPE_CHECKING:
    from homeiq.settings import Settings
    from ingest_worker.worker import WorkerConfig


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command("ingest")(ingest)
    app.command("import-recorder")(import_recorder)


def worker_config(settings: Settings) -> WorkerConfig:
    """Return the worker's plain configuration built from ``settings``."""
    from datetime import timedelta

    from ingest_worker.worker import WorkerConfig

    return WorkerConfig(
        spool_path=settings.spool_path,
        spool_max_bytes=settings.spool_max_mb * 1024 * 1024,
        batch_size=settings.batch_size,
        health_host=settings.worker_host,
        health_port=settings.worker_port,
        ha_url=settings.ha_url,
        ha_token=settings.ha_token_value() if settings.ha_url else None,
        first_backfill=timedelta(hours=settings.backfill_hours),
        mqtt_url=settings.mqtt_url.get_secret_value() if settings.mqtt_url else None,
        mqtt_topics=list(settings.mqtt_topics),
        mqtt_client_id=settings.mqtt_client_id,
        mqtt_max_payload_bytes=settings.mqtt_max_payload_kb * 1024,
        raw_retention_days=settings.raw_retention_days,
        analyze_command=analyze_command(),
        analyze_at=analyze_time(settings.analyze_at),
        time_zone=settings.timezone,
    )


def analyze_command() -> tuple[str, ...]:
    """Return the child command the worker runs daily: analysis, anomalies, expected energy."""
    import sys

    # the same interpreter and settings (the child inherits HOMEIQ_* from the environment)
    return (sys.executable, "-m", "homeiq.cli", "daily-analysis")


def analyze_time(text: str) -> dt_time | None:
    """Return HOMEIQ_ANALYZE_AT as a time of day, or None when it is ``off``."""
    if text == "off":
        return None
    hour, minute = text.split(":")
    return dt_time(int(hour), int(minute))


def ingest() -> None:
    """Run the ingest worker in the foreground until Ctrl-C or SIGTERM."""
    # Polars allocates through jemalloc, which by default keeps freed pages for 10 s; a
    # worker that writes and merges files every few seconds would hold tens of MB it does
    # not use. Give them back at once. Set before polars loads; a user's own setting wins.
    os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:0,muzzy_decay_ms:0")
    import asyncio

    from homeiq.settings import SettingsError
    from ingest_worker.worker import NoSourceConfigured, Worker, tune_gc

    settings = load_cli_settings()
    try:
        config = worker_config(settings)
        config.check()
    except NoSourceConfigured as err:
        typer.echo(f"homeiq ingest: {err}", err=True)
        raise typer.Exit(2) from None
    except (ValueError, SettingsError) as err:
        typer.echo(f"homeiq ingest: {err}", err=True)
        raise typer.Exit(2) from None
    store = open_cli_store(settings)
    metadata = open_optional_metadata(settings)

    tune_gc()

    async def _main() -> int:
        return await Worker(config, store=store, metadata=metadata).run()

    try:
        code = asyncio.run(_main())
    finally:
        store.close()
        if metadata is not None:
            metadata.close()
    raise typer.Exit(code)


def import_recorder(
    path: Annotated[Path, typer.Argument(help="Home Assistant recorder database (SQLite).")],
) -> None:
    """Import history from an HA recorder database into the store, idempotently."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from ingest_worker.recorder_import import import_recorder as run_import

    if not path.is_file():
        typer.echo(f"import-recorder: {path} is not a file; give the path of home-assistant_v2.db")
        raise typer.Exit(2)
    settings = load_cli_settings()
    store = open_cli_store(settings)
    metadata = open_optional_metadata(settings)  # entities and home facts; advisory
    columns = (
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    try:
        with Progress(*columns) as progress:
            task = progress.add_task("importing states", total=None)

            def report(done: int, total: int | None) -> None:
                progress.update(task, completed=done, total=total)

            result = run_import(path, store, progress=report, metadata=metadata)
    except ValueError as err:
        typer.echo(f"import-recorder: {err}", err=True)
        raise typer.Exit(1) from None
    finally:
        store.close()
        if metadata is not None:
            metadata.close()
    typer.echo(
        f"import-recorder: read {result.rows} states (recorder schema {result.schema_version}), "
        f"stored {result.written} new, {result.skipped} skipped"
    )
