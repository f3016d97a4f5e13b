"""Every admin page renders on a simulated home and on an empty store without an exception."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app.pages import ADMIN_PAGES, ROOT

PAGES = [pytest.param(spec, id=spec.url_path) for spec in ADMIN_PAGES]


def run_page(script: Path, *, range_label: str | None = None) -> AppTest:
    """Return an AppTest that ran ``script`` once."""
    at = AppTest.from_file(str(script), default_timeout=60)
    if range_label is not None:
        from app.services.timerange import preset_range
        from tests.app.conftest import SIM_END

        at.session_state["homeiq_range"] = preset_range(range_label, SIM_END)
    return at.run()


def test_every_page_script_exists() -> None:
    missing = [spec.script for spec in ADMIN_PAGES if not spec.path.is_file()]
    assert not missing


@pytest.mark.parametrize("spec", PAGES)
def test_page_renders_on_simulated_home(spec, app_env: Path) -> None:
    at = run_page(spec.path, range_label="Last 30 days")
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == spec.title


@pytest.mark.parametrize("spec", PAGES)
def test_page_explains_an_empty_store(spec, empty_env: Path) -> None:
    at = run_page(spec.path)
    assert not at.exception, [e.value for e in at.exception]
    assert any("empty" in info.value.lower() for info in at.info), [i.value for i in at.info]


def test_admin_entry_navigates_to_health(app_env: Path) -> None:
    at = AppTest.from_file(str(ROOT / "app" / "main.py"), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Health"
    labels = {metric.label: metric.value for metric in at.metric}
    assert int(labels["Entities"].replace(",", "")) == 40
    assert int(labels["Events"].replace(",", "")) > 0
