"""The kiosk renders its tiles, and no write is reachable from it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app.pages import ROOT
from app.services.kiosk import TILES, KioskReader

KIOSK = ROOT / "app" / "kiosk.py"
# Modules that write: export to disk, the simulator, the worker, the admin export service, the
# CLI. (The store class itself carries its write path; the kiosk holds it only inside
# KioskReader, which offers no write: see test_kiosk_reader_offers_no_write.)
WRITERS = (
    "storage.export",
    "app.services.export",
    "homeiq.sim",
    "homeiq.commands",
    "ingest_worker",
    # Nor anything that signs people in: the kiosk has no sign-in.
    "app.auth",
    "app.services.auth",
    "app.signin",
)
# Nor may it load the HA client (no deploy from a wall screen) or the heavy libraries.
NEVER_LOADED = (*WRITERS, "ha_client", "openai", "darts", "statsforecast", "sklearn")
_PROBE = """
import json, sys
import pytest
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=60).run()
print(json.dumps({"modules": sorted(sys.modules), "exceptions": [e.value for e in at.exception]}))
"""


def test_kiosk_renders_every_tile(app_env: Path) -> None:
    at = AppTest.from_file(str(KIOSK), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    labels = [metric.label for metric in at.metric]
    assert labels == [spec.label for spec in TILES]
    values = {metric.label: metric.value for metric in at.metric}
    assert values["Power now"].endswith(" W")
    assert values["Outside"].endswith(" °C")
    assert values["Energy today"] != "", values


def test_kiosk_on_empty_store_shows_dashes_not_errors(empty_env: Path) -> None:
    at = AppTest.from_file(str(KIOSK), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    values = {metric.label: metric.value for metric in at.metric}
    assert values["Power now"] == "—"
    assert values["Unavailable"] == "0"


def test_kiosk_imports_no_module_that_writes(app_env: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, str(KIOSK)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert not report["exceptions"]
    assert "app.services.kiosk" in report["modules"]  # the probe really ran the kiosk
    loaded = [
        name
        for name in report["modules"]
        for never in NEVER_LOADED
        if name == never or name.startswith(never + ".")
    ]
    assert not loaded, f"the kiosk imported modules that can write or reach HA: {loaded}"


def test_kiosk_registers_only_read_only_pages() -> None:
    text = KIOSK.read_text(encoding="utf-8")
    assert "kiosk_wall.py" in text
    assert "ADMIN_PAGES" not in text
    for page in ("export.py", "explore.py", "health.py"):
        assert page not in text


def test_kiosk_reader_offers_no_write() -> None:
    public = {name for name in dir(KioskReader) if not name.startswith("_")}
    assert public == {
        "latest",
        "unavailable_count",
        "today_energy",
        "expected_today",
        "power_last_24h",
        "ha_connection",
        "store_problem",
        "role",
        "price",
        "currency",
        "tz",
    }
    for verb in ("write", "export", "deploy", "delete", "apply", "set", "add", "update"):
        assert not any(name.startswith(verb) for name in public)


def test_kiosk_names_a_bad_setting_through_the_app_services(
    app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOMEIQ_TIMEZONE", "Mars/Olympus")
    at = AppTest.from_file(str(KIOSK), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    shown = " ".join(box.value for box in at.error)
    assert "HOMEIQ_TIMEZONE" in shown and "Mars/Olympus" in shown, shown


def test_expected_today_tile_shows_what_the_app_forecast_today(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from storage.factory import open_store
    from storage.metadata import MetadataStore

    now = datetime(2026, 1, 31, 15, tzinfo=UTC)
    store = open_store(backend="embedded", data_dir=tmp_path)
    metadata = MetadataStore(tmp_path / "homeiq.sqlite")
    try:
        reader = KioskReader(store, metadata, "Europe/Amsterdam")
        assert reader.expected_today(now).value == "—"
        payload = {"day": "2026-01-31", "total_kwh": 42.46, "so_far_kwh": 30.0}
        metadata.put_forecast_summary("expected_today", payload)
        assert reader.expected_today(now).value == "42.5 kWh"
        assert reader.expected_today(datetime(2026, 2, 1, 9, tzinfo=UTC)).value == "—"
    finally:
        store.close()
        metadata.close()
