"""The home's effective facts: stored by a source, settings on top; `homeiq status` shows them."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from homeiq.home import effective_home_facts
from homeiq.settings import Settings
from storage.metadata import MetadataStore
from storage.metadata.home import HomeFacts
from tests.cli.conftest import Homeiq

HA = HomeFacts(
    source="ha",
    time_zone="America/Chicago",
    latitude=41.88,
    longitude=-87.63,
    currency="USD",
    updated_at=datetime(2026, 3, 1, tzinfo=UTC),
)


@pytest.fixture(autouse=True)
def _no_home_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TIMEZONE", "LATITUDE", "LONGITUDE", "CURRENCY"):
        monkeypatch.delenv(f"HOMEIQ_{name}", raising=False)


def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_stored_ha_facts_apply_when_no_setting_is_given() -> None:
    facts = effective_home_facts(_settings(), HA)
    assert (facts.time_zone, facts.latitude, facts.currency, facts.source) == (
        "America/Chicago",
        41.88,
        "USD",
        "ha",
    )


def test_each_given_setting_overrides_its_fact_only() -> None:
    facts = effective_home_facts(_settings(timezone="Europe/Paris", currency="EUR"), HA)
    assert (facts.time_zone, facts.currency, facts.latitude, facts.longitude) == (
        "Europe/Paris",
        "EUR",
        41.88,
        -87.63,
    )
    assert facts.source == "ha"


def test_settings_overriding_every_fact_are_the_source() -> None:
    given = _settings(timezone="Europe/Paris", latitude=48.85, longitude=2.35, currency="EUR")
    assert effective_home_facts(given, HA).source == "settings"


def test_without_stored_facts_the_settings_apply() -> None:
    facts = effective_home_facts(_settings(latitude=10.0), None)
    assert (facts.source, facts.time_zone, facts.latitude, facts.currency) == (
        "settings",
        "UTC",
        10.0,
        None,
    )


def test_status_json_reports_the_home_from_metadata(homeiq: Homeiq) -> None:
    meta = MetadataStore(homeiq.data_dir / "homeiq.sqlite")
    meta.home.save(HA)
    meta.close()
    result = homeiq("status", "--json", env={"HOMEIQ_CURRENCY": "EUR"})
    assert result.exit_code == 0, result.output
    payload = orjson.loads(result.output)
    assert payload["home"] == {
        "time_zone": "America/Chicago",
        "latitude": 41.88,
        "longitude": -87.63,
        "currency": "EUR",
        "source": "ha",
    }
    assert {"store", "data_dir", "bytes_on_disk", "metadata", "worker"} <= payload.keys()


def test_status_json_without_metadata_reports_the_settings(homeiq: Homeiq) -> None:
    result = homeiq("status", "--json", env={"HOMEIQ_TIMEZONE": "Asia/Tokyo"})
    payload = orjson.loads(result.output)
    assert payload["home"] == {
        "time_zone": "Asia/Tokyo",
        "latitude": None,
        "longitude": None,
        "currency": None,
        "source": "settings",
    }


def test_demo_stores_the_simulated_homes_facts(demo_home: Homeiq) -> None:
    payload = orjson.loads(demo_home("status", "--json").output)
    assert payload["home"]["source"] == "sim"
    assert payload["home"]["currency"] == "EUR"
    assert payload["home"]["latitude"] is not None
