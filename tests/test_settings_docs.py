"""Every setting is described in code and documented in the README's configuration table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from homeiq.settings import Settings

README = Path(__file__).resolve().parents[1] / "README.md"
FIELDS = sorted(Settings.model_fields)


def _readme_rows() -> dict[str, str]:
    rows = {}
    for line in README.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\|\s*`(HOMEIQ_[A-Z0-9_]+)`\s*\|(.*)\|\s*$", line)
        if match:
            rows[match.group(1)] = match.group(2)
    return rows


@pytest.mark.parametrize("field", FIELDS)
def test_setting_has_description(field: str) -> None:
    description = Settings.model_fields[field].description
    assert description and len(description) > 15, f"Settings.{field} needs a description"


@pytest.mark.parametrize("field", FIELDS)
def test_setting_is_documented_in_readme(field: str) -> None:
    name = f"HOMEIQ_{field.upper()}"
    assert name in _readme_rows(), f"{name} is missing from the README configuration table"


def test_readme_documents_no_setting_that_does_not_exist() -> None:
    known = {f"HOMEIQ_{field.upper()}" for field in FIELDS}
    assert set(_readme_rows()) <= known, set(_readme_rows()) - known


def test_readme_opens_with_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    first_block = re.search(r"```(?:sh|bash|console)?\n(.*?)```", text, re.S)
    assert first_block is not None
    commands = [
        line.split("#")[0].strip()
        for line in first_block.group(1).splitlines()
        if line.split("#")[0].strip()
    ]
    assert commands == ["make run", "make test"]
    assert text.index("make run") < text.index("##")
