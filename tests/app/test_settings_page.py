"""The Settings page shows each role and why; a choice made there survives an app restart."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from analytics.roles import ROLES
from app.pages import ADMIN_PAGES
from tests.app.conftest import _point_app_at, require_password_sign_in, signed_in

SETTINGS = next(spec for spec in ADMIN_PAGES if spec.url_path == "settings")


@pytest.fixture
def own_home(sim_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Return a private copy of the simulated home (the test writes role choices)."""
    data_dir = tmp_path / "home"
    shutil.copytree(sim_dir, data_dir)
    _point_app_at(monkeypatch, data_dir)
    return data_dir


def _restart(*, admin: bool = False) -> AppTest:
    st.cache_resource.clear()  # a new server process: services and caches built again
    st.cache_data.clear()
    at = AppTest.from_file(str(SETTINGS.path), default_timeout=60)
    if admin:
        signed_in(at)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_settings_page_lists_every_role_with_its_choice(own_home: Path) -> None:
    at = _restart()
    keys = {box.key for box in at.selectbox}
    assert keys == {f"role_{spec.name}" for spec in ROLES}
    captions = " ".join(c.value for c in at.caption)
    assert "Now:" in captions and "guessed" in captions


def test_a_role_chosen_on_the_page_persists_across_a_restart(
    own_home: Path, monkeypatch: pytest.MonkeyPatch, admin_password_hash: str
) -> None:
    require_password_sign_in(monkeypatch, admin_password_hash)  # saving is a write
    at = _restart(admin=True)
    box = at.selectbox(key="role_outdoor_temperature")
    assert box.value == "(automatic)"
    weather = next(i for i, label in enumerate(box.options) if "weather." in label)
    box.select_index(weather)
    at.selectbox(key="role_media_player").select("(none)")
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("outdoor_temperature" in s.value for s in at.success)

    again = _restart()
    assert str(again.selectbox(key="role_outdoor_temperature").value).startswith("weather.")
    assert again.selectbox(key="role_media_player").value == "(none)"
    captions = " ".join(c.value for c in again.caption)
    assert "chosen by you" in captions


def test_a_role_set_by_a_setting_is_locked_and_a_bad_one_is_named(
    own_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOMEIQ_ROLE_HOUSE_POWER", "sensor.house_energy")
    at = _restart()
    warnings = " ".join(w.value for w in at.warning)
    assert "HOMEIQ_ROLE_HOUSE_POWER=sensor.house_energy" in warnings
    assert "W or kW" in warnings
