"""The one normalized event record every source produces, and its Arrow/polars schema.

Mapping (documented in README, "Event model"):
- ``time``: when the state was set, UTC, microseconds (HA ``last_updated``; MQTT receive time).
- ``entity_id``: HA entity id, or for MQTT ``mqtt.<topic-as-slug>[.<json field path>]``.
- ``domain``: the part of ``entity_id`` before the first dot.
- ``state``: the state string exactly as sent (``unknown`` / ``unavailable`` kept).
- ``value``: ``state`` as a finite float when it parses as one, else null.
- ``unit`` / ``device_class`` / ``area``: from attributes and HA registries, else null.
- ``attributes``: the remaining attributes as a JSON object text.
- ``source``: ``ha``, ``mqtt``, ``import`` or ``sim``.
- ``context_id``: HA context id (null for MQTT); ``topic``: MQTT topic (null for HA).
- ``context_user_id``: the HA user whose action made the change (UI, app, REST call with
  their token), as HA shows it (32 hex digits); ``context_parent_id``: the context id
  (ULID) of what caused it, set when an automation or script acted. Both null for MQTT,
  for physical switches, for HA history backfill (HA's history API carries no context)
  and for events stored before these columns existed.

(entity_id, time, source) is the identity of an event: stores keep one row per key.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Literal

import orjson
import polars as pl

Source = Literal["ha", "mqtt", "import", "sim"]
SOURCES: Final[tuple[str, ...]] = ("ha", "mqtt", "import", "sim")

EVENT_SCHEMA: Final[dict[str, pl.DataType]] = {
    "time": pl.Datetime("us", "UTC"),
    "entity_id": pl.String(),
    "domain": pl.String(),
    "state": pl.String(),
    "value": pl.Float64(),
    "unit": pl.String(),
    "device_class": pl.String(),
    "area": pl.String(),
    "attributes": pl.String(),
    "source": pl.String(),
    "context_id": pl.String(),
    "topic": pl.String(),
    # Appended last (added after the first release): stored files written before lack them.
    "context_user_id": pl.String(),
    "context_parent_id": pl.String(),
}
EVENT_COLUMNS: Final[tuple[str, ...]] = tuple(EVENT_SCHEMA)
KEY_COLUMNS: Final[tuple[str, ...]] = ("entity_id", "time", "source")


def parse_value(state: str | None) -> float | None:
    """Return the state as a finite float, or None when it is not a finite number."""
    if state is None:
        return None
    text = state.strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def domain_of(entity_id: str) -> str:
    """Return the domain part of an entity id (``sensor`` for ``sensor.kitchen``)."""
    return entity_id.split(".", 1)[0]


def to_utc(moment: datetime) -> datetime:
    """Return ``moment`` as an aware UTC datetime; naive values are taken as UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_US: Final = timedelta(microseconds=1)


def to_us(moment: datetime) -> int:
    """Return microseconds since the Unix epoch; naive values are taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // _US


def from_us(micros: int) -> datetime:
    """Return the aware UTC datetime for microseconds since the Unix epoch."""
    return _EPOCH + timedelta(microseconds=micros)


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """One sample from one source, normalized."""

    time: datetime
    entity_id: str
    state: str
    source: Source
    value: float | None = None
    unit: str | None = None
    device_class: str | None = None
    area: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)
    context_id: str | None = None
    topic: str | None = None
    context_user_id: str | None = None
    context_parent_id: str | None = None

    @property
    def domain(self) -> str:
        """Return the entity's domain."""
        return domain_of(self.entity_id)

    def row(self) -> dict[str, Any]:
        """Return the event as a dict with exactly the EVENT_SCHEMA columns."""
        value = self.value if self.value is not None else parse_value(self.state)
        if value is not None and not math.isfinite(value):
            value = None
        return {
            "time": to_utc(self.time),
            "entity_id": self.entity_id,
            "domain": self.domain,
            "state": self.state,
            "value": value,
            "unit": self.unit,
            "device_class": self.device_class,
            "area": self.area,
            "attributes": attributes_json(self.attributes),
            "source": self.source,
            "context_id": self.context_id,
            "topic": self.topic,
            "context_user_id": self.context_user_id,
            "context_parent_id": self.context_parent_id,
        }


def attributes_json(attributes: Mapping[str, Any]) -> str:
    """Return attributes as compact JSON text; values JSON cannot hold become strings."""
    return orjson.dumps(dict(attributes), default=str, option=orjson.OPT_NON_STR_KEYS).decode()


def empty_events() -> pl.DataFrame:
    """Return an empty frame with the event schema."""
    return pl.DataFrame(schema=EVENT_SCHEMA)


def events_to_frame(events: Iterable[Event]) -> pl.DataFrame:
    """Return a frame with the event schema holding ``events`` in order."""
    rows = [event.row() for event in events]
    if not rows:
        return empty_events()
    return pl.DataFrame(rows, schema=EVENT_SCHEMA, orient="row")


def conform(frame: pl.DataFrame) -> pl.DataFrame:
    """Return ``frame`` with exactly the event columns and types, filling derivable ones.

    Missing optional columns become null, ``domain`` is derived from ``entity_id`` and
    ``value`` from ``state`` when absent; non-finite values become null. Raises
    ``ValueError`` naming the column when a required column is missing or null.
    """
    for required in ("time", "entity_id", "state", "source"):
        if required not in frame.columns:
            raise ValueError(f"event batch has no '{required}' column; every event needs one")
    out = frame
    if "domain" not in out.columns:
        out = out.with_columns(pl.col("entity_id").str.split(".").list.first().alias("domain"))
    if "value" not in out.columns:
        out = out.with_columns(
            pl.col("state")
            .cast(pl.String)
            .str.strip_chars()
            .cast(pl.Float64, strict=False)
            .alias("value")
        )
    for name, dtype in EVENT_SCHEMA.items():
        if name not in out.columns:
            out = out.with_columns(pl.lit(None, dtype=dtype).alias(name))
    time_col = pl.col("time")
    if out.schema["time"] != EVENT_SCHEMA["time"]:
        dtype = out.schema["time"]
        if isinstance(dtype, pl.Datetime) and dtype.time_zone is None:
            time_col = time_col.dt.replace_time_zone("UTC")
        time_col = time_col.cast(EVENT_SCHEMA["time"])
    out = out.with_columns(time_col.alias("time")).select(
        [pl.col(name).cast(dtype) for name, dtype in EVENT_SCHEMA.items()]
    )
    out = out.with_columns(
        pl.when(pl.col("value").is_finite()).then(pl.col("value")).otherwise(None).alias("value")
    )
    for required in ("time", "entity_id", "state", "source"):
        nulls = out.get_column(required).null_count()
        if nulls:
            raise ValueError(
                f"event batch has {nulls} row(s) with a null '{required}'; drop or fix them"
            )
    bad = out.filter(~pl.col("source").is_in(list(SOURCES)))
    if bad.height:
        raise ValueError(
            f"unknown event source {bad.get_column('source')[0]!r}; use one of {', '.join(SOURCES)}"
        )
    return out


def now_utc() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)
