"""The admin's role choices persist across reopening the metadata database."""

from __future__ import annotations

from pathlib import Path

from storage.metadata import MetadataStore


def test_role_choices_survive_a_reopen_and_can_be_forgotten(tmp_path: Path) -> None:
    path = tmp_path / "homeiq.sqlite"
    first = MetadataStore(path)
    first.role_choices.choose("outdoor_temperature", "sensor.garden")
    first.role_choices.choose("media_player", None)
    first.role_choices.choose("outdoor_temperature", "sensor.balcony")
    first.close()
    again = MetadataStore(path)
    try:
        assert again.role_choices.all() == {
            "outdoor_temperature": "sensor.balcony",
            "media_player": None,
        }
        again.role_choices.forget("media_player")
        assert again.role_choices.all() == {"outdoor_temperature": "sensor.balcony"}
    finally:
        again.close()
