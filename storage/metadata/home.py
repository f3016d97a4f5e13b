"""The home's facts (location, time zone, currency) and HA's energy preferences.

Each source that knows the home writes its own row: the worker from HA's ``get_config`` on
every connect (``ha``), the simulator (``sim``), a recorder import from ``.storage/
core.config`` (``recorder``). Which one applies, and how settings override it, is decided
by the caller (homeiq.home); this table only keeps what each source said.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Literal

from sqlalchemy import select
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.orm import Session, sessionmaker

from storage.metadata.models import EnergyPrefsRow, HomeFactsRow

FactsSource = Literal["ha", "settings", "sim", "recorder"]
# When several sources stored facts, the live HA wins; then the newest of the others.
_PREFERRED: Final = "ha"
_SOURCES: Final[dict[str, FactsSource]] = {"ha": "ha", "sim": "sim", "recorder": "recorder"}


@dataclass(frozen=True, slots=True, kw_only=True)
class HomeFacts:
    """Where the home is and how it counts: what one source says (None where unknown)."""

    source: FactsSource
    time_zone: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    elevation: float | None = None
    currency: str | None = None
    unit_system: Mapping[str, str] = field(default_factory=dict)
    version: str | None = None
    location_name: str | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class EnergyPrefs:
    """HA's energy dashboard preferences as HA answered them; ``prefs`` None: HA has none."""

    prefs: dict[str, Any] | None
    fetched_at: datetime


class HomeTable:
    """Home facts per source and the one energy preferences row."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def save(self, facts: HomeFacts) -> None:
        """Replace the facts stored for ``facts.source`` (stamped now unless given)."""
        if facts.source == "settings":
            raise ValueError("settings are read at run time, not stored as home facts")
        values = {
            "source": facts.source,
            "latitude": facts.latitude,
            "longitude": facts.longitude,
            "elevation": facts.elevation,
            "time_zone": facts.time_zone,
            "currency": facts.currency,
            "unit_system": dict(facts.unit_system),
            "version": facts.version,
            "location_name": facts.location_name,
            "updated_at": facts.updated_at or datetime.now(UTC),
        }
        stmt = insert(HomeFactsRow).values(values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["source"],
            set_={name: stmt.excluded[name] for name in values if name != "source"},
        )
        with self._sessions.begin() as session:
            session.execute(stmt)

    def all(self) -> dict[str, HomeFacts]:
        """Return the stored facts of every source, keyed by source."""
        with self._sessions() as session:
            rows = session.scalars(select(HomeFactsRow)).all()
            return {row.source: _facts(row) for row in rows}

    def preferred(self) -> HomeFacts | None:
        """Return the facts that apply: HA's when stored, else the newest; None when none."""
        stored = self.all()
        if _PREFERRED in stored:
            return stored[_PREFERRED]
        oldest = datetime.min.replace(tzinfo=UTC)
        newest = sorted(stored.values(), key=lambda facts: facts.updated_at or oldest)
        return newest[-1] if newest else None

    def save_energy_prefs(self, prefs: Mapping[str, Any] | None) -> None:
        """Store HA's energy preferences (None: HA has none), stamped now."""
        stmt = insert(EnergyPrefsRow).values(
            id=1, prefs=dict(prefs) if prefs is not None else None, fetched_at=datetime.now(UTC)
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["id"],
            set_={"prefs": stmt.excluded.prefs, "fetched_at": stmt.excluded.fetched_at},
        )
        with self._sessions.begin() as session:
            session.execute(stmt)

    def energy_prefs(self) -> EnergyPrefs | None:
        """Return the stored energy preferences; None when never fetched from HA."""
        with self._sessions() as session:
            row = session.get(EnergyPrefsRow, 1)
            if row is None:
                return None
            return EnergyPrefs(
                prefs=dict(row.prefs) if isinstance(row.prefs, dict) else None,
                fetched_at=row.fetched_at,
            )


def _facts(row: HomeFactsRow) -> HomeFacts:
    return HomeFacts(
        source=_SOURCES.get(row.source, "ha"),
        time_zone=row.time_zone,
        latitude=row.latitude,
        longitude=row.longitude,
        elevation=row.elevation,
        currency=row.currency,
        unit_system={str(k): str(v) for k, v in (row.unit_system or {}).items()},
        version=row.version,
        location_name=row.location_name,
        updated_at=row.updated_at,
    )
