"""``cached`` keys a service function by the Services' store, and hashes other arguments."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app.services.cache import cached
from app.services.context import Services, build_services
from homeiq.settings import load_settings

CALLS: list[tuple[str, int]] = []


@cached(ttl=60)
def _answer(svc: Services, number: int) -> str:
    CALLS.append((svc.key, number))
    return f"{svc.key}:{number}"


def _services(data_dir: Path) -> Services:
    return build_services(load_settings(data_dir=data_dir, store="embedded"))


def test_same_store_and_arguments_are_answered_from_the_cache(tmp_path: Path) -> None:
    st.cache_data.clear()
    CALLS.clear()
    svc = _services(tmp_path / "a")
    try:
        assert _answer(svc, 1) == _answer(svc, 1)
        assert len(CALLS) == 1
        _answer(svc, 2)
        assert len(CALLS) == 2
    finally:
        svc.store.close()


def test_another_store_gets_its_own_answer(tmp_path: Path) -> None:
    st.cache_data.clear()
    CALLS.clear()
    first, second = _services(tmp_path / "a"), _services(tmp_path / "b")
    try:
        assert _answer(first, 1) != _answer(second, 1)
        assert [key for key, _ in CALLS] == [first.key, second.key]
    finally:
        first.store.close()
        second.store.close()
