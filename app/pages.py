"""The admin workbench's pages, as data: adding a page is adding a row (tests iterate it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

ROOT: Final[Path] = Path(__file__).resolve().parents[1]


@dataclass(frozen=True, slots=True, kw_only=True)
class PageSpec:
    """One page: its script under pages/, title, icon and URL path."""

    script: str
    title: str
    icon: str
    url_path: str

    @property
    def path(self) -> Path:
        """Return the page script's absolute path."""
        return ROOT / "pages" / self.script


ADMIN_PAGES: Final[tuple[PageSpec, ...]] = (
    PageSpec(
        script="health.py", title="Health", icon=":material/monitor_heart:", url_path="health"
    ),
    PageSpec(script="energy.py", title="Energy", icon=":material/bolt:", url_path="energy"),
    PageSpec(
        script="weather_sports.py",
        title="Weather & sports",
        icon=":material/thermostat:",
        url_path="weather-sports",
    ),
    PageSpec(
        script="explore.py", title="Explore", icon=":material/query_stats:", url_path="explore"
    ),
    PageSpec(
        script="forecast.py", title="Forecast", icon=":material/trending_up:", url_path="forecast"
    ),
    PageSpec(
        script="anomalies.py",
        title="Anomalies",
        icon=":material/troubleshoot:",
        url_path="anomalies",
    ),
    PageSpec(script="export.py", title="Export", icon=":material/download:", url_path="export"),
    PageSpec(
        script="patterns.py", title="Patterns", icon=":material/schedule:", url_path="patterns"
    ),
    PageSpec(
        script="suggestions.py",
        title="Suggestions",
        icon=":material/lightbulb:",
        url_path="suggestions",
    ),
    PageSpec(
        script="your_automations.py",
        title="Your automations",
        icon=":material/smart_toy:",
        url_path="automations",
    ),
    PageSpec(script="audit.py", title="Audit", icon=":material/history:", url_path="audit"),
    PageSpec(
        script="settings.py", title="Settings", icon=":material/settings:", url_path="settings"
    ),
)
