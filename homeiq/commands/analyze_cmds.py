"""`homeiq analyze`: learn the home's habits and store suggested automations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from homeiq.commands.runtime import (
    EXIT_FAILED,
    fail,
    load_cli_settings,
    open_cli_metadata,
    open_cli_store,
)

if TYPE_CHECKING:
    from storage.metadata import Suggestion


def register(app: typer.Typer) -> None:
    """Add ``analyze`` (and the worker's hidden ``daily-analysis``) to ``app``."""
    app.command("analyze")(analyze)
    app.command("daily-analysis", hidden=True)(daily_analysis)


def suggestion_json(s: Suggestion) -> dict[str, Any]:
    """Return one suggestion in the public ``homeiq analyze --json`` shape."""
    params = s.params
    return {
        "id": s.id,
        "kind": s.kind,
        "entity_id": s.entity_id,
        "to_state": s.to_state,
        "local_time": params.get("local_time") if s.kind == "time" else None,
        "weekdays": params.get("weekdays") if s.kind in ("time", "sun") else None,
        "event": params.get("event") if s.kind == "sun" else None,
        "offset_minutes": params.get("offset_minutes") if s.kind == "sun" else None,
        "trigger_entity_id": s.trigger_entity_id if s.kind == "trigger" else None,
        "trigger_to_state": s.trigger_to_state if s.kind == "trigger" else None,
        "confidence": s.confidence,
        "evidence": s.evidence,
        "automation": s.automation,
        "status": str(getattr(s.status, "value", s.status)),
    }


def analyze(
    days: Annotated[int, typer.Option(help="Whole local days of history to analyse.")] = 30,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Find routines in the stored history, replay them and store suggested automations."""
    if days < 1 or days > 3650:
        raise typer.BadParameter(
            f"{days} is not a number of days from 1 to 3650", param_hint="--days"
        )
    settings = load_cli_settings()
    import orjson
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TimeElapsedColumn

    from homeiq.analysis import run_analysis
    from homeiq.analysis.inputs import home_place, read_ha_automations
    from storage.errors import StoreError

    ha_automations = read_ha_automations(settings)
    store = open_cli_store(settings)
    meta = None
    console = Console(stderr=True)
    try:
        meta = open_cli_metadata(settings)
        place = home_place(settings, meta.home)
        columns = ("[progress.description]{task.description}", BarColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console, transient=True, disable=as_json) as bar:
            task = bar.add_task("analysing", total=1.0)
            outcome = run_analysis(
                store,
                meta,
                place,
                days=days,
                progress=lambda f, text: bar.update(task, completed=f, description=text),
                ha_automations=ha_automations,
            )
    except StoreError as err:
        raise fail(
            f"analyze: reading the {settings.store} store failed: {err}", EXIT_FAILED
        ) from None
    finally:
        store.close()
        if meta is not None:
            meta.close()
    run = outcome.run
    if as_json:
        payload = {
            "run": {
                "id": run.id,
                "started_at": run.started_at.isoformat().replace("+00:00", "Z"),
                "days": run.days,
                "events_read": run.events_read,
                "seconds": run.seconds,
            },
            "suggestions": [suggestion_json(s) for s in outcome.suggestions],
        }
        if outcome.message:  # stdout stays exactly the object; the why goes to stderr
            typer.echo(f"analyze: {outcome.message}", err=True)
        typer.echo(orjson.dumps(payload).decode())
        return
    _print_summary(console, outcome)


def _print_summary(console: Any, outcome: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    out = Console()
    run = outcome.run
    out.print(
        f"Analysis run {run.id}: {run.days} days, {run.events_read:,} events read in "
        f"{run.seconds:.1f} s; {outcome.patterns} pattern(s), "
        f"{len(outcome.suggestions)} suggestion(s)."
    )
    if outcome.message:
        out.print(outcome.message)
    for note in outcome.notes:
        out.print(note)
    if not outcome.suggestions:
        return
    table = Table("id", "suggestion", "replay", "confidence", "status")
    for s in outcome.suggestions:
        ev = s.evidence
        replay = (
            f"{ev.get('replay_matched')}/{ev.get('replay_fired')} fired, "
            f"recall {ev.get('replay_covered')}/{ev.get('replay_actions')}"
        )
        table.add_row(
            str(s.id),
            s.title,
            replay,
            f"{(s.confidence or 0):.2f}",
            str(getattr(s.status, "value", s.status)),
        )
    out.print(table)


def daily_analysis(
    days: Annotated[int, typer.Option(help="Whole local days of history to analyse.")] = 30,
    anomaly_days: Annotated[int, typer.Option(help="Days scanned for anomalies.")] = 7,
) -> None:
    """The worker's daily job: routines and suggestions, anomalies, today's expected energy."""
    analyze(days=days, as_json=False)
    settings = load_cli_settings()
    from homeiq.analysis.inputs import home_place
    from homeiq.anomaly_scan import run_anomalies
    from homeiq.forecasting import expected_today, remember_expected_today
    from homeiq.roles import resolve_home_roles
    from storage.errors import StoreError

    store = open_cli_store(settings)
    meta = None
    try:
        meta = open_cli_metadata(settings)
        tz = home_place(settings, meta.home).time_zone
        found = run_anomalies(store, meta, days=anomaly_days, tz=tz, trigger="daily")
        typer.echo(f"anomalies: run {found.id} stored", err=True)
        roles = resolve_home_roles(store, meta, settings)
        expected = expected_today(
            store,
            meter=roles.entity("main_energy_meter"),
            tz=tz,
            temperature_entity=roles.entity("outdoor_temperature"),
        )
        if expected is not None:
            remember_expected_today(meta, expected, tz=tz)
    except StoreError as err:
        raise fail(f"daily analysis: reading the store failed: {err}", EXIT_FAILED) from None
    finally:
        store.close()
        if meta is not None:
            meta.close()
