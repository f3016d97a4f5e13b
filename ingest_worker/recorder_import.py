"""Imports history from a Home Assistant recorder database (``home-assistant_v2.db``).

Reads the current recorder schema (``states`` + ``states_meta`` + ``state_attributes``,
schema versions MIN_SCHEMA..MAX_SCHEMA) in batches, ordered by ``state_id``, and writes
events through the store, so a rerun stores nothing twice.

Identity: events are written as source ``ha`` with time = ``last_updated_ts`` converted
exactly the way HA converts it for its history API and live stream (microsecond UTC).
An import therefore stores each state change once even where it overlaps what the
worker streamed live or backfilled from the same HA; with another source name every
overlapping change would be stored twice and counted twice by the analytics.
Areas come from the registries in ``.storage/`` beside the database when they are there.
Who caused a change: ``context_user_id_bin`` (a UUID) becomes the 32 hex digits HA shows as
the user id, ``context_parent_id_bin`` (a ULID) the 26-character text HA shows as a context
id, exactly as live events carry them.
With a metadata store, the import also registers every entity (friendly name and unit from
its newest attributes, source ``recorder``) and stores the home facts of ``.storage/
core.config`` (location, time zone, currency; source ``recorder``) when that file exists.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, Protocol

import orjson
import polars as pl

from storage.events import EVENT_SCHEMA, Source, attributes_json, parse_value
from storage.metadata.home import HomeFacts
from storage.metadata.records import EntityInfo
from storage.protocol import WriteResult

_log = logging.getLogger(__name__)

# 41 introduced states_meta; 50 is what HA 2025.4 writes (tested against it).
MIN_SCHEMA: Final = 41
MAX_SCHEMA: Final = 50
BATCH_ROWS: Final = 20_000
_REQUIRED: Final[dict[str, tuple[str, ...]]] = {
    "states": (
        "state_id",
        "metadata_id",
        "state",
        "last_updated_ts",
        "attributes_id",
        "context_id_bin",
        "context_user_id_bin",
        "context_parent_id_bin",
    ),
    "states_meta": ("metadata_id", "entity_id"),
    "state_attributes": ("attributes_id", "shared_attrs"),
}
_CROCKFORD: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

Progress = Callable[[int, int | None], None]


class UnsupportedRecorder(ValueError):
    """The file is not a recorder database this importer can read."""


class FrameWriter(Protocol):
    """Anything that stores an EVENT_SCHEMA frame idempotently (every TimeSeriesStore)."""

    def write(self, events: pl.DataFrame) -> WriteResult:
        """Store ``events``; rows whose key is stored already are skipped."""
        ...


class HomeFactsWriter(Protocol):
    """Where the recorder's home facts go (storage.metadata.home.HomeTable)."""

    def save(self, facts: HomeFacts) -> None:
        """Replace the facts of ``facts.source``."""
        ...


class RegistryWriter(Protocol):
    """The part of storage.metadata.MetadataStore an import writes to."""

    @property
    def home(self) -> HomeFactsWriter:
        """Return the home facts table."""
        ...

    def upsert_entities(self, rows: Iterable[EntityInfo]) -> int:
        """Insert or update entity registry rows."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportResult:
    """What an import read and stored."""

    schema_version: int
    rows: int
    written: int
    skipped: int
    entities: int
    first: datetime | None
    last: datetime | None

    def __str__(self) -> str:
        span = (
            f" from {self.first.isoformat()} to {self.last.isoformat()}"
            if self.first and self.last
            else ""
        )
        return (
            f"read {self.rows} states of {self.entities} entities{span} "
            f"(recorder schema {self.schema_version}); stored {self.written} new, "
            f"{self.rows - self.written - self.skipped} already stored, "
            f"{self.skipped} skipped (no state or time)"
        )


def context_ulid(raw: bytes | None) -> str | None:
    """Return HA's 16-byte binary context id as its 26-character ULID text."""
    if not raw or len(raw) != 16:
        return None
    number = int.from_bytes(raw, "big")
    return "".join(_CROCKFORD[(number >> (5 * i)) & 31] for i in reversed(range(26)))


def context_user(raw: bytes | None) -> str | None:
    """Return HA's 16-byte binary user id as the 32 hex digits HA shows (``user.id``)."""
    if not raw or len(raw) != 16:
        return None
    return raw.hex()


def schema_version(db: sqlite3.Connection, path: Path) -> int:
    """Return the recorder schema version; raise UnsupportedRecorder when it cannot be read."""
    try:
        row = db.execute("SELECT max(schema_version) FROM schema_changes").fetchone()
    except sqlite3.DatabaseError as err:
        raise UnsupportedRecorder(
            f"{path} is not a Home Assistant recorder database ({err}); "
            "give the path of home-assistant_v2.db in HA's config directory"
        ) from err
    if row is None or row[0] is None:
        raise UnsupportedRecorder(f"{path} has no recorder schema version (schema_changes empty)")
    version = int(row[0])
    if not MIN_SCHEMA <= version <= MAX_SCHEMA:
        raise UnsupportedRecorder(
            f"{path} has recorder schema version {version}; this importer reads versions "
            f"{MIN_SCHEMA} to {MAX_SCHEMA} (Home Assistant 2023.4 to 2025.4). Open the "
            "database once with a Home Assistant of that range to migrate it."
        )
    for table, columns in _REQUIRED.items():
        have = {info[1] for info in db.execute(f"PRAGMA table_info({table})")}
        missing = [column for column in columns if column not in have]
        if missing:
            raise UnsupportedRecorder(
                f"{path}: table {table} lacks column(s) {', '.join(missing)} "
                f"although the schema version is {version}; is the database damaged?"
            )
    return version


def _registry(storage: Path, name: str, key: str) -> list[Mapping[str, Any]]:
    try:
        data = json.loads((storage / name).read_text())
    except (OSError, ValueError):
        return []
    rows = data.get("data", {}).get(key, []) if isinstance(data, dict) else []
    return [row for row in rows if isinstance(row, dict)]


def area_lookup(database: Path) -> dict[str, str]:
    """Return entity_id -> area name from the HA registries beside ``database``, if any."""
    storage = database.parent / ".storage"
    names = {
        row["id"]: str(row.get("name") or row["id"])
        for row in _registry(storage, "core.area_registry", "areas")
        if isinstance(row.get("id"), str)
    }
    device_area = {
        row["id"]: row["area_id"]
        for row in _registry(storage, "core.device_registry", "devices")
        if isinstance(row.get("id"), str) and isinstance(row.get("area_id"), str)
    }
    areas: dict[str, str] = {}
    for row in _registry(storage, "core.entity_registry", "entities"):
        entity_id = row.get("entity_id")
        area_id = row.get("area_id") or device_area.get(str(row.get("device_id")))
        if isinstance(entity_id, str) and isinstance(area_id, str):
            areas[entity_id] = names.get(area_id, area_id)
    return areas


def _batches(db: sqlite3.Connection) -> Iterator[list[tuple[Any, ...]]]:
    last_id = -1
    query = (
        "SELECT s.state_id, m.entity_id, s.state, s.last_updated_ts, a.shared_attrs, "
        "s.context_id_bin, s.context_user_id_bin, s.context_parent_id_bin FROM states s "
        "JOIN states_meta m ON m.metadata_id = s.metadata_id "
        "LEFT JOIN state_attributes a ON a.attributes_id = s.attributes_id "
        "WHERE s.state_id > ? ORDER BY s.state_id LIMIT ?"
    )
    while True:
        rows = db.execute(query, (last_id, BATCH_ROWS)).fetchall()
        if not rows:
            return
        last_id = rows[-1][0]
        yield rows


def _attributes(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        value = json.loads(text)  # NaN/Infinity tokens, which orjson refuses
    return value if isinstance(value, dict) else {}


def _frame(
    rows: list[tuple[Any, ...]],
    areas: Mapping[str, str],
    source: Source,
    seen: dict[str, EntityInfo] | None = None,
) -> tuple[pl.DataFrame, int]:
    out: list[dict[str, Any]] = []
    skipped = 0
    for _, entity_id, state, updated_ts, shared_attrs, context, user, parent in rows:
        if state is None or updated_ts is None or not entity_id:
            skipped += 1
            continue
        try:
            attributes = _attributes(shared_attrs)
        except ValueError:
            attributes = {}
        unit = attributes.pop("unit_of_measurement", None)
        device_class = attributes.pop("device_class", None)
        # Same conversion HA uses (dt_util.utc_from_timestamp), so keys match.
        time = datetime.fromtimestamp(updated_ts, UTC)
        if seen is not None:
            _note(seen, entity_id, time, attributes, unit, device_class, areas.get(entity_id))
        out.append(
            {
                "time": time,
                "entity_id": entity_id,
                "domain": entity_id.split(".", 1)[0],
                "state": state,
                "value": parse_value(state),
                "unit": unit if isinstance(unit, str) else None,
                "device_class": device_class if isinstance(device_class, str) else None,
                "area": areas.get(entity_id),
                "attributes": attributes_json(attributes),
                "source": source,
                "context_id": context_ulid(context),
                "topic": None,
                "context_user_id": context_user(user),
                "context_parent_id": context_ulid(parent),
            }
        )
    return pl.DataFrame(out, schema=EVENT_SCHEMA, orient="row"), skipped


def _note(
    seen: dict[str, EntityInfo],
    entity_id: str,
    time: datetime,
    attributes: Mapping[str, Any],
    unit: Any,
    device_class: Any,
    area: str | None,
) -> None:
    """Widen the registry row of ``entity_id`` with one recorded state (rows come in order)."""
    before = seen.get(entity_id)
    name = _str_or_none(attributes.get("friendly_name"))
    if name is None and before is not None:
        name = before.friendly_name
    if not isinstance(unit, str):
        unit = before.unit if before is not None else None
    seen[entity_id] = EntityInfo(
        entity_id=entity_id,
        domain=entity_id.split(".", 1)[0],
        friendly_name=name,
        unit=unit,
        device_class=device_class if isinstance(device_class, str) else None,
        state_class=_str_or_none(attributes.get("state_class")),
        area=area,
        first_seen=before.first_seen if before is not None else time,
        last_seen=time,
        source="recorder",
    )


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def home_facts_beside(database: Path) -> HomeFacts | None:
    """Return the home facts of ``.storage/core.config`` beside ``database``, if it exists."""
    folder = database.parent
    try:
        data = json.loads((folder / ".storage" / "core.config").read_text()).get("data")
    except (OSError, ValueError, AttributeError):
        return None
    if not isinstance(data, dict):
        return None
    try:
        version: str | None = (folder / ".HA_VERSION").read_text().strip() or None
    except OSError:
        version = None
    units = data.get("unit_system_v2") or data.get("unit_system")

    def number(key: str) -> float | None:
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        return float(value)

    return HomeFacts(
        source="recorder",
        time_zone=_str_or_none(data.get("time_zone")),
        latitude=number("latitude"),
        longitude=number("longitude"),
        elevation=number("elevation"),
        currency=_str_or_none(data.get("currency")),
        unit_system={"name": units} if isinstance(units, str) else {},
        version=version,
        location_name=_str_or_none(data.get("location_name")),
    )


def import_recorder(
    path: Path,
    store: FrameWriter,
    *,
    progress: Progress | None = None,
    source: Source = "ha",
    metadata: RegistryWriter | None = None,
) -> ImportResult:
    """Import every state in the recorder database at ``path``; return what was stored."""
    if not path.is_file():
        raise UnsupportedRecorder(f"{path} is not a file; give the path of home-assistant_v2.db")
    # Read-only: the importer must never change HA's database, even while HA runs.
    db = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
    try:
        version = schema_version(db, path)
        total = int(db.execute("SELECT count(*) FROM states").fetchone()[0])
        areas = area_lookup(path)
        done = written = skipped = 0
        entities: set[str] = set()
        seen: dict[str, EntityInfo] | None = {} if metadata is not None else None
        first: datetime | None = None
        last: datetime | None = None
        if progress is not None:
            progress(0, total)
        for rows in _batches(db):
            frame, bad = _frame(rows, areas, source, seen)
            skipped += bad
            if frame.height:
                written += store.write(frame).written
                entities.update(frame.get_column("entity_id").unique().to_list())
                low, high = frame.get_column("time").min(), frame.get_column("time").max()
                assert isinstance(low, datetime) and isinstance(high, datetime)
                first = low if first is None else min(first, low)
                last = high if last is None else max(last, high)
            done += len(rows)
            if progress is not None:
                progress(done, total)
    finally:
        db.close()
    result = ImportResult(
        schema_version=version,
        rows=done,
        written=written,
        skipped=skipped,
        entities=len(entities),
        first=first,
        last=last,
    )
    if metadata is not None and seen is not None:
        metadata.upsert_entities(seen.values())
        facts = home_facts_beside(path)
        if facts is not None:
            metadata.home.save(facts)
    _log.info("recorder import of %s: %s", path, result)
    return result
