"""The objects every page needs, built once per server process from settings."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from homeiq.home import home_facts
from homeiq.settings import Settings
from homeiq.store_config import open_configured_store
from storage.errors import StoreError
from storage.metadata import MetadataStore
from storage.protocol import TimeSeriesStore

_log = logging.getLogger(__name__)


class ServiceError(Exception):
    """A service could not answer; the message says what failed and what to check."""


@dataclass(kw_only=True)
class Services:
    """Settings, the time-series store and (when present) the metadata store of one server."""

    settings: Settings
    store: TimeSeriesStore
    metadata: MetadataStore | None
    problems: list[str] = field(default_factory=list)
    # The home's time zone: HOMEIQ_TIMEZONE when set, else what HA (or the simulated home, a
    # recorder import) reported, else UTC (homeiq.home.home_facts).
    timezone: str = "UTC"
    # ISO 4217 code of prices and costs: HOMEIQ_CURRENCY, else what HA reported, else None.
    currency: str | None = None

    @property
    def tz(self) -> ZoneInfo:
        """Return the home's time zone."""
        return ZoneInfo(self.timezone)

    @property
    def key(self) -> str:
        """Return a short text naming the store, used to key cached answers."""
        return f"{self.settings.store}:{self.settings.data_dir.resolve()}"


def build_services(settings: Settings) -> Services:
    """Return Services for ``settings``; raise ServiceError when the store cannot open."""
    try:
        store = open_configured_store(settings)
    except (StoreError, OSError) as err:
        raise ServiceError(
            f"Cannot open the {settings.store} store under {settings.data_dir}: {err}. "
            "Check HOMEIQ_STORE and HOMEIQ_DATA_DIR."
        ) from err
    metadata: MetadataStore | None = None
    problems: list[str] = []
    if settings.metadata_path.is_file():
        try:
            metadata = MetadataStore(settings.metadata_path)
        except StoreError as err:
            _log.warning("metadata store unavailable: %s", err)
            problems.append(f"The metadata database {settings.metadata_path} cannot open: {err}")
    try:
        facts = home_facts(settings, metadata.home if metadata is not None else None)
        zone, currency = facts.time_zone, facts.currency
    except StoreError as err:
        problems.append(f"The home's stored facts cannot be read ({err}); times are in UTC")
        zone, currency = settings.timezone, settings.currency
    return Services(
        settings=settings,
        store=store,
        metadata=metadata,
        problems=problems,
        timezone=_known_zone(zone, settings.timezone),
        currency=currency,
    )


def _known_zone(zone: str | None, fallback: str) -> str:
    """Return ``zone`` when this machine knows it, else ``fallback``."""
    try:
        ZoneInfo(zone or fallback)
    except (ZoneInfoNotFoundError, ValueError):
        _log.warning("unknown time zone %r from the home facts; using %s", zone, fallback)
        return fallback
    return zone or fallback
