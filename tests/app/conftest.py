"""A small simulated home in a temp data dir, and settings pointing the app at it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import pytest
from streamlit.testing.v1 import AppTest

from homeiq.sim import GROUND_TRUTH_FILE, simulate_home
from storage.factory import open_store
from storage.metadata import MetadataStore

# A fixed end keeps the planted data identical between runs.
SIM_END = datetime(2026, 1, 31, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def sim_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a data dir holding a 40-entity x 21-day simulated home (built once)."""
    data_dir = tmp_path_factory.mktemp("sim-home")
    store = open_store(backend="embedded", data_dir=data_dir)
    metadata = MetadataStore(data_dir / "homeiq.sqlite")
    try:
        simulate_home(
            store,
            days=21,
            entities=40,
            seed=7,
            end=SIM_END,
            ground_truth_path=data_dir / GROUND_TRUTH_FILE,
            metadata=metadata,
        )
    finally:
        store.close()
        metadata.close()
    return data_dir


@pytest.fixture
def ground_truth(sim_dir: Path) -> dict[str, object]:
    """Return the simulated home's planted facts."""
    return json.loads((sim_dir / GROUND_TRUTH_FILE).read_text(encoding="utf-8"))


def _point_app_at(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> None:
    import streamlit as st

    for name in list(__import__("os").environ):
        if name.startswith("HOMEIQ_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOMEIQ_DATA_DIR", str(data_dir))
    monkeypatch.setenv("HOMEIQ_TIMEZONE", "Europe/Amsterdam")
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def app_env(monkeypatch: pytest.MonkeyPatch, sim_dir: Path) -> Iterator[Path]:
    """Point the app's settings at the simulated home for one test."""
    _point_app_at(monkeypatch, sim_dir)
    yield sim_dir


@pytest.fixture
def empty_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """Point the app's settings at an empty data dir for one test."""
    _point_app_at(monkeypatch, tmp_path)
    yield tmp_path


ADMIN_PASSWORD = "correct-horse-1"


@pytest.fixture(scope="session")
def admin_password_hash() -> str:
    """Return one argon2 hash for the whole run (hashing is slow on purpose)."""
    from app.auth.config import hash_password

    return hash_password(ADMIN_PASSWORD)


def require_password_sign_in(monkeypatch: pytest.MonkeyPatch, password_hash: str) -> None:
    """Turn on HOMEIQ_APP_AUTH=password; call after the app was pointed at a home."""
    import streamlit as st

    from app.auth.sessions import SESSIONS

    monkeypatch.setenv("HOMEIQ_ADMIN_PASSWORD_HASH", password_hash)
    st.cache_resource.clear()
    SESSIONS.clear()


def signed_in(
    at: AppTest, *, name: str = "Ada", method: Literal["ha", "password"] = "password"
) -> str:
    """Sign an admin into AppTest ``at`` as app/main.py's gate would; return their label."""
    from app.auth.sessions import SESSIONS, User
    from app.services.auth import SESSION_KEY

    user = User(user_id=f"id-{name}", name=name, is_admin=True, method=method)
    at.session_state[SESSION_KEY] = SESSIONS.create(user, hours=1)
    return user.label
