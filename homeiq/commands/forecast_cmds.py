"""`homeiq forecast` and `homeiq anomalies`: backtested forecasts and anomaly runs.

darts and scikit-learn are imported only when these commands run, so the rest of the CLI
starts fast.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import orjson
import typer

from homeiq.commands.runtime import (
    EXIT_FAILED,
    fail,
    load_cli_settings,
    open_cli_metadata,
    open_cli_store,
    open_optional_metadata,
)

if TYPE_CHECKING:
    from homeiq.forecasting import EntityForecast


def register(app: typer.Typer) -> None:
    """Add ``forecast`` and ``anomalies`` to ``app``."""
    app.command("forecast")(forecast)
    app.command("anomalies")(anomalies)


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _number(value: float | None) -> float | None:
    return None if value is None else round(float(value), 6)


def forecast_json(found: EntityForecast) -> dict[str, Any]:
    """Return the public ``homeiq forecast --json`` object of ``found``."""
    result = found.result
    return {
        "entity_id": found.entity_id,
        "bucket": found.bucket,
        "horizon": found.horizon,
        "model": result.model,
        "models": [
            {
                "name": s.key,
                "mae": _number(s.mae),
                "mase": _number(s.mase),
                "coverage": _number(s.coverage),
            }
            for s in result.scores
        ],
        "baseline": {"name": result.baseline.key, "mae": _number(result.baseline.mae)},
        "forecast": [
            {
                "time": _iso(row["time"]),
                "value": _number(row["value"]),
                "low": _number(row["low"]),
                "high": _number(row["high"]),
            }
            for row in result.forecast.iter_rows(named=True)
        ],
    }


def forecast(
    entity: Annotated[str, typer.Option("--entity", help="Entity id to forecast.")],
    bucket: Annotated[str, typer.Option(help="Bucket: 15m, 1h or 1d.")] = "1h",
    horizon: Annotated[str, typer.Option(help="How far ahead: e.g. 24h, 48h, 7d.")] = "24h",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Forecast one entity; every model is backtested against the seasonal naive forecast."""
    from analytics.errors import InsufficientData
    from homeiq.forecasting import ForecastInputError, forecast_entity
    from homeiq.home import home_facts
    from homeiq.roles import resolve_home_roles
    from storage.errors import StoreError

    settings = load_cli_settings()
    store = open_cli_store(settings)
    meta = open_optional_metadata(settings)
    try:
        tz = home_facts(settings, meta.home if meta is not None else None).time_zone
        roles = resolve_home_roles(store, meta, settings)
        found = forecast_entity(
            store,
            entity,
            bucket=bucket,
            horizon=horizon,
            tz=tz or settings.timezone,
            temperature_entity=roles.entity("outdoor_temperature"),
        )
    except (ForecastInputError, InsufficientData) as err:
        raise fail(f"cannot forecast {entity}: {err}") from None
    except StoreError as err:
        raise fail(f"reading {entity} from the store failed: {err}", EXIT_FAILED) from None
    finally:
        store.close()
        if meta is not None:
            meta.close()
    if as_json:
        typer.echo(orjson.dumps(forecast_json(found)).decode())
        return
    _print_forecast(found)


def _print_forecast(found: EntityForecast) -> None:
    result = found.result
    typer.echo(f"{found.entity_id} · {found.bucket} buckets · next {found.horizon}")
    for score in result.scores:
        mark = "*" if score.key == result.model else " "
        if score.error:
            typer.echo(f" {mark} {score.name:58} not scored: {score.error}")
            continue
        coverage = f"{score.coverage:.0%}" if score.coverage is not None else "-"
        typer.echo(
            f" {mark} {score.name:58} MAE {score.mae:.4g}  MASE {score.mase:.3f}  "
            f"in 80% band {coverage}"
        )
    if not result.beats_baseline:
        typer.echo("No model beat the seasonal naive forecast; the naive forecast is shown.")
    for note in (*found.notes, *result.notes):
        typer.echo(f"note: {note}")
    for row in result.forecast.iter_rows(named=True):
        typer.echo(
            f"{_iso(row['time'])}  {row['value']:10.4g}  [{row['low']:.4g}, {row['high']:.4g}]"
        )


def anomalies(
    days: Annotated[int, typer.Option(min=1, max=90, help="Report the last N days.")] = 7,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Find unusual days and hours and silent entities; the run is stored in metadata."""
    from homeiq.anomaly_scan import run_anomalies
    from homeiq.home import home_facts
    from storage.errors import StoreError

    settings = load_cli_settings()
    store = open_cli_store(settings)
    try:
        metadata = open_cli_metadata(settings)
        try:
            tz = home_facts(settings, metadata.home).time_zone or settings.timezone
            run = run_anomalies(store, metadata, days=days, tz=tz, trigger="cli")
        finally:
            metadata.close()
    except StoreError as err:
        raise fail(f"anomaly analysis failed reading the store: {err}", EXIT_FAILED) from None
    finally:
        store.close()
    findings = [_finding(f) for f in run.findings]
    window = (run.window_start, run.window_end)
    if as_json:
        payload = {
            "days": days,
            "start": _iso(window[0]),
            "end": _iso(window[1]),
            "findings": findings,
        }
        typer.echo(orjson.dumps(payload).decode())
        return
    if not findings:
        typer.echo(f"Nothing unusual in the last {days} days.")
    for f in findings:
        typer.echo(f"{f['kind']:6} {f['entity_id']:40} {f['summary']}")


def _finding(f: Any) -> dict[str, Any]:
    return {
        "kind": f.kind,
        "entity_id": f.entity_id,
        "start": _iso(f.start),
        "end": _iso(f.end),
        "score": f.score,
        "summary": f.summary,
        "evidence": f.evidence,
    }
