"""Home facts per source, HA's energy preferences and the richer entity rows in metadata."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage.metadata import EntityInfo, MetadataStore
from storage.metadata.home import HomeFacts
from storage.metadata.schema import make_engine, upgrade

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)
T1 = datetime(2026, 3, 2, 12, tzinfo=UTC)


@pytest.fixture
def meta(tmp_path: Path) -> Iterator[MetadataStore]:
    store = MetadataStore(tmp_path / "m.sqlite")
    yield store
    store.close()


def _ha(**changes: object) -> HomeFacts:
    values: dict[str, object] = {
        "source": "ha",
        "time_zone": "Europe/Amsterdam",
        "latitude": 52.37,
        "longitude": 4.89,
        "elevation": 3.0,
        "currency": "EUR",
        "unit_system": {"temperature": "°C", "length": "km"},
        "version": "2025.4.4",
        "location_name": "Home",
        "updated_at": T0,
    }
    return HomeFacts(**{**values, **changes})  # type: ignore[arg-type]


def test_saved_facts_read_back_equal(meta: MetadataStore) -> None:
    meta.home.save(_ha())
    assert meta.home.all() == {"ha": _ha()}


def test_a_later_save_of_the_same_source_replaces_it(meta: MetadataStore) -> None:
    meta.home.save(_ha())
    meta.home.save(_ha(time_zone="America/New_York", updated_at=T1))
    assert meta.home.all()["ha"].time_zone == "America/New_York"


def test_ha_facts_are_preferred_over_newer_sim_facts(meta: MetadataStore) -> None:
    meta.home.save(_ha(updated_at=T0))
    meta.home.save(HomeFacts(source="sim", time_zone="Europe/Berlin", updated_at=T1))
    preferred = meta.home.preferred()
    assert preferred is not None and (preferred.source, preferred.time_zone) == (
        "ha",
        "Europe/Amsterdam",
    )


def test_without_ha_the_newest_source_applies(meta: MetadataStore) -> None:
    meta.home.save(HomeFacts(source="sim", time_zone="Europe/Berlin", updated_at=T0))
    meta.home.save(HomeFacts(source="recorder", time_zone="Asia/Tokyo", updated_at=T1))
    preferred = meta.home.preferred()
    assert preferred is not None and preferred.source == "recorder"


def test_no_facts_stored_means_none(meta: MetadataStore) -> None:
    assert meta.home.preferred() is None


def test_settings_are_never_stored_as_facts(meta: MetadataStore) -> None:
    with pytest.raises(ValueError, match="settings"):
        meta.home.save(HomeFacts(source="settings", time_zone="UTC"))


def test_energy_prefs_distinguish_never_fetched_from_none(meta: MetadataStore) -> None:
    assert meta.home.energy_prefs() is None
    meta.home.save_energy_prefs(None)
    stored = meta.home.energy_prefs()
    assert stored is not None and stored.prefs is None
    prefs = {"energy_sources": [{"type": "grid", "flow_from": []}], "device_consumption": []}
    meta.home.save_energy_prefs(prefs)
    stored = meta.home.energy_prefs()
    assert stored is not None and stored.prefs == prefs


def test_registry_keeps_new_fields_and_none_does_not_erase(meta: MetadataStore) -> None:
    meta.upsert_entities(
        [
            EntityInfo(
                entity_id="sensor.power",
                domain="sensor",
                friendly_name="Power",
                device_name="Meter",
                state_class="measurement",
                disabled=False,
                hidden=True,
                source="ha",
            )
        ]
    )
    meta.upsert_entities([EntityInfo(entity_id="sensor.power", domain="sensor", source="mqtt")])
    (row,) = meta.list_entities()
    assert (row.friendly_name, row.device_name, row.state_class, row.disabled, row.hidden) == (
        "Power",
        "Meter",
        "measurement",
        False,
        True,
    )
    assert row.source == "mqtt"


def test_upgrade_from_0003_keeps_entities_and_adds_the_tables(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite"
    engine = make_engine(path)
    upgrade(engine, "0003")
    engine.dispose()
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO entities (entity_id, domain, friendly_name) "
            "VALUES ('light.a', 'light', 'A')"
        )
    store = MetadataStore(path)
    try:
        (entity,) = store.list_entities()
        store.home.save(_ha())
        assert (entity.friendly_name, entity.source, entity.device_name) == ("A", None, None)
        assert store.home.all()["ha"].currency == "EUR"
    finally:
        store.close()
