"""`homeiq demo`, `homeiq status` and `homeiq export`: fill, inspect and dump the store.

Heavy imports (polars, the store, the simulator) happen inside the commands so that the
CLI starts fast.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Final

import typer

from homeiq.commands.runtime import fail, load_cli_settings, open_cli_store

if TYPE_CHECKING:
    from homeiq.settings import Settings
    from homeiq.sim import SimResult
    from storage.protocol import TimeSeriesStore

MIN_ENTITIES: Final[int] = 34  # the simulated home's fixed core (homeiq.sim.MIN_ENTITIES)
_RELATIVE = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNIT = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def register(app: typer.Typer) -> None:
    """Add ``demo``, ``status`` and ``export`` to ``app``."""
    app.command("demo")(demo)
    app.command("status")(status)
    app.command("export")(export)


def parse_moment(text: str, *, flag: str, now: datetime) -> datetime:
    """Return ``text`` (``7d``/``12h``/``30m``/``2w`` ago, or ISO-8601) as an aware UTC time."""
    match = _RELATIVE.match(text)
    if match:
        return now - timedelta(**{_UNIT[match.group(2)]: int(match.group(1))})
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is neither a duration like 7d, 12h, 30m nor an ISO-8601 time like "
            "2026-01-31 or 2026-01-31T18:00:00Z",
            param_hint=flag,
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def demo(
    days: Annotated[
        int | None,
        typer.Option(
            help="Days of history to simulate. Default: 30, or more (at most 245) so that the "
            "window starts a week before the time zone's latest DST change."
        ),
    ] = None,
    entities: Annotated[int, typer.Option(help="Entities in the simulated home.")] = 150,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same home.")] = 42,
    end: Annotated[
        str | None,
        typer.Option(help="Last moment of the simulation (ISO-8601 UTC); default: this hour."),
    ] = None,
    timezone: Annotated[
        str, typer.Option(help="IANA time zone the simulated people live by.")
    ] = "Europe/Amsterdam",
    latitude: Annotated[float, typer.Option(help="Latitude of the home (sun times).")] = 52.37,
    longitude: Annotated[float, typer.Option(help="Longitude of the home (sun times).")] = 4.90,
) -> None:
    """Fill the store with a simulated home; rerunning it adds no duplicates."""
    if days is not None and (days < 1 or days > 3650):
        raise typer.BadParameter(
            f"{days} is not a number of days from 1 to 3650", param_hint="--days"
        )
    if entities < MIN_ENTITIES or entities > 100_000:
        raise typer.BadParameter(
            f"{entities} is not a number of entities from {MIN_ENTITIES} to 100000 "
            f"(the simulated home has {MIN_ENTITIES} fixed entities)",
            param_hint="--entities",
        )
    now = datetime.now(UTC)
    until = parse_moment(end, flag="--end", now=now) if end is not None else None
    from homeiq.sim.place import Place

    try:
        Place(timezone=timezone, latitude=latitude, longitude=longitude)
    except ValueError as err:
        raise typer.BadParameter(str(err), param_hint="--timezone/--latitude/--longitude") from None
    settings = load_cli_settings()
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from homeiq.sim import GROUND_TRUTH_FILE, simulate_home
    from storage.errors import StoreError
    from storage.metadata import MetadataStore

    console = Console(stderr=True)
    store = open_cli_store(settings)
    metadata = None
    try:
        metadata = MetadataStore(settings.metadata_path)
        columns = (
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task("simulating entities", total=entities)
            result = simulate_home(
                store,
                days=days,
                entities=entities,
                seed=seed,
                end=until,
                ground_truth_path=settings.data_dir / GROUND_TRUTH_FILE,
                metadata=metadata,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
                timezone=timezone,
                latitude=latitude,
                longitude=longitude,
            )
    except StoreError as err:
        raise fail(f"demo: writing to the {settings.store} store failed: {err}", 1) from None
    finally:
        store.close()
        if metadata is not None:
            metadata.close()
    console.print(
        f"demo: {result.entities} entities x {result.days} days "
        f"({result.start:%Y-%m-%d %H:%M}Z .. {result.end:%Y-%m-%d %H:%M}Z): "
        f"{result.generated:,} events, {result.written:,} new, {result.seconds:.1f} s",
        soft_wrap=True,
    )
    console.print(f"ground truth: {result.ground_truth_path}", soft_wrap=True)
    console.print(_dst_line(result, timezone, explicit_days=days is not None), soft_wrap=True)


def _dst_line(result: SimResult, timezone: str, *, explicit_days: bool) -> str:
    """Return the line saying which DST change the simulated window covers, if any."""
    from homeiq.sim.dst_window import DST_MARGIN_DAYS, MAX_DEFAULT_DAYS, describe_change
    from homeiq.sim.place import Place

    if result.latest_change is not None:
        change = describe_change(Place(timezone=timezone), result.latest_change)
        return f"DST: the window covers {timezone}'s change on {change}"
    if explicit_days:
        return f"DST: no change in this window in {timezone}; leave out --days to cover the latest"
    return (
        f"DST: none to cover; {timezone} has not changed its UTC offset "
        f"in the last {MAX_DEFAULT_DAYS - DST_MARGIN_DAYS} days"
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


def status_payload(settings: Settings, store: TimeSeriesStore) -> dict[str, Any]:
    """Return what ``homeiq status --json`` prints."""
    from homeiq.home import home_facts, home_json

    stats = store.stats()
    health = store.health()
    payload: dict[str, Any] = {
        "store": {
            "backend": stats.backend,
            "events": stats.events,
            "entities": stats.entities,
            "oldest": _iso(stats.oldest),
            "newest": _iso(stats.newest),
            "bytes_on_disk": stats.bytes_on_disk,
            "ok": health.ok,
            "detail": health.detail,
        },
        "data_dir": str(settings.data_dir),
        "bytes_on_disk": stats.bytes_on_disk,
    }
    home = home_facts(settings, None)
    if settings.metadata_path.is_file():
        from storage.errors import StoreError
        from storage.metadata import MetadataStore
        from storage.metadata.worker_report import WorkerReport

        try:
            metadata = MetadataStore(settings.metadata_path)
        except StoreError as err:
            payload["metadata"] = {"ok": False, "detail": str(err)}
        else:
            try:
                worker = metadata.worker_status().get("worker")
                payload["metadata"] = {
                    "ok": True,
                    "registered_entities": len(metadata.list_entities()),
                    "quarantined": sum(metadata.quarantine_counts().values()),
                }
                payload["worker"] = (
                    {
                        "updated_at": _iso(worker.updated_at),
                        **WorkerReport.from_json(worker.payload).to_json(),
                    }
                    if worker
                    else None
                )
                home = home_facts(settings, metadata.home)
            finally:
                metadata.close()
    payload["home"] = home_json(home)  # last: the keys before it keep their order (issue 11)
    return payload


def status(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Show the store's backend, event and entity counts, time span and size on disk."""
    import orjson

    settings = load_cli_settings()
    store = open_cli_store(settings)
    try:
        payload = status_payload(settings, store)
    finally:
        store.close()
    if as_json:
        typer.echo(orjson.dumps(payload).decode())
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="HomeIQ store", show_header=False)
    info = payload["store"]
    size = info["bytes_on_disk"]
    rows = [
        ("backend", info["backend"]),
        ("healthy", "yes" if info["ok"] else f"no: {info['detail']}"),
        ("events", f"{info['events']:,}"),
        ("entities", f"{info['entities']:,}"),
        ("oldest", info["oldest"] or "-"),
        ("newest", info["newest"] or "-"),
        ("on disk", f"{size / 1_048_576:,.1f} MiB" if size is not None else "unknown"),
        ("data dir", payload["data_dir"]),
    ]
    if "metadata" in payload and payload["metadata"].get("ok"):
        rows.append(("registered entities", f"{payload['metadata']['registered_entities']:,}"))
        rows.append(("quarantined payloads", f"{payload['metadata']['quarantined']:,}"))
    for name, value in rows:
        table.add_row(name, str(value))
    Console().print(table)


def export(
    fmt: Annotated[str, typer.Option("--format", help="csv or parquet.")],
    out: Annotated[Path, typer.Option("--out", help="File to write.")],
    entity: Annotated[
        list[str] | None, typer.Option("--entity", help="Entity id; repeat for more (default all).")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Start: a duration back from now (7d, 12h) or ISO-8601.")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="End (exclusive), ISO-8601; default now.")
    ] = None,
    bucket: Annotated[
        str | None, typer.Option(help="Aggregate into buckets (1m, 5m, 1h, 1d, <n><s|m|h|d>).")
    ] = None,
    agg: Annotated[
        str | None, typer.Option(help="mean, min, max, last, count or increase (with --bucket).")
    ] = None,
) -> None:
    """Export raw or aggregated events to CSV or Parquet, streaming (flat memory)."""
    from storage.errors import InvalidQuery
    from storage.protocol import AGGS, parse_bucket

    fmt = fmt.lower()
    if fmt not in ("csv", "parquet"):
        raise typer.BadParameter(
            f"{fmt!r} is not a format; use csv or parquet", param_hint="--format"
        )
    if agg is not None and bucket is None:
        raise typer.BadParameter(
            "--agg needs --bucket (for example --bucket 1h)", param_hint="--agg"
        )
    if agg is not None and agg not in AGGS:
        raise typer.BadParameter(
            f"{agg!r} is not an aggregate; use one of {', '.join(AGGS)}", param_hint="--agg"
        )
    if bucket is not None:
        try:
            parse_bucket(bucket)
        except InvalidQuery as err:
            raise typer.BadParameter(str(err), param_hint="--bucket") from None
    if not out.parent.is_dir():
        raise typer.BadParameter(
            f"folder {out.parent} does not exist; create it first", param_hint="--out"
        )
    now = datetime.now(UTC)
    start = parse_moment(since, flag="--since", now=now) if since else None
    end = parse_moment(until, flag="--until", now=now) if until else None
    if start is not None and end is not None and start >= end:
        raise typer.BadParameter(
            f"--since {since} is not before --until {until}", param_hint="--since"
        )
    settings = load_cli_settings()
    store = open_cli_store(settings)
    try:
        rows = _run_export(store, out, fmt, entity, start, end, bucket, agg)
    finally:
        store.close()
    typer.echo(f"exported {rows:,} rows to {out}", err=True)
    scope = f"entities {', '.join(entity)}" if entity else "all entities"
    _audit_export(settings, rows=rows, scope=scope, fmt=fmt, out=out)


def _audit_export(settings: Settings, *, rows: int, scope: str, fmt: str, out: Path) -> None:
    """Record the export in the audit log; an export that worked never fails on this."""
    import getpass

    from homeiq.automation.audit_log import AuditLog
    from storage.errors import StoreError
    from storage.metadata import MetadataStore

    try:
        meta = MetadataStore(settings.metadata_path)
    except StoreError as err:
        typer.echo(f"warning: the export was not written to the audit log: {err}", err=True)
        return
    try:
        AuditLog(meta).record_export(
            actor=f"{getpass.getuser()} (command line)",
            rows=rows,
            scope=scope,
            fmt=fmt,
            path=str(out),
        )
    finally:
        meta.close()


def _run_export(
    store: TimeSeriesStore,
    out: Path,
    fmt: str,
    entity: list[str] | None,
    start: datetime | None,
    end: datetime | None,
    bucket: str | None,
    agg: str | None,
) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TimeElapsedColumn

    from storage.errors import StoreError
    from storage.export import export_events

    console = Console(stderr=True)
    try:
        if entity:
            known = set(store.latest(list(entity)).get_column("entity_id").to_list())
            unknown = sorted(set(entity) - known)
            if unknown and len(unknown) == len(set(entity)):
                raise fail(
                    f"--entity: none of {', '.join(unknown)} is in the store; "
                    "`homeiq status` shows what is there"
                )
            if unknown:
                console.print(f"[yellow]no events for {', '.join(unknown)}; skipped[/yellow]")
        stats = store.stats()
        if end is None:
            end = datetime.now(UTC)
            if stats.newest is not None and stats.newest >= end:
                end = stats.newest + timedelta(microseconds=1)
        if start is None:
            start = (
                stats.oldest
                if stats.oldest is not None and stats.oldest < end
                else end - timedelta(days=1)
            )
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            "{task.fields[rows]:,} rows",
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task(f"exporting {fmt}", total=1.0, rows=0)
            return export_events(
                store,
                out,
                fmt=fmt,
                start=start,
                end=end,
                entities=entity or None,
                bucket=bucket,
                agg=(agg or "mean") if bucket else None,
                progress=lambda rows, done: bar.update(task, completed=done, rows=rows),
            )
    except StoreError as err:
        raise fail(f"export failed: {err}", 1) from None
