"""Settings: HOMEIQ_ variables, .env, and errors that name the setting and hide secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from homeiq.settings import Settings, SettingsError, load_settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(__import__("os").environ):
        if name.startswith("HOMEIQ_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_defaults_need_no_configuration() -> None:
    settings = load_settings()
    assert settings.store == "embedded"
    assert settings.data_dir == Path("data")
    assert settings.app_port == 8501
    assert settings.worker_port == 8765


def test_env_variables_use_homeiq_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOMEIQ_APP_PORT", "9000")
    monkeypatch.setenv("HOMEIQ_MQTT_TOPICS", "zigbee2mqtt/#, tele/+/SENSOR ,homeassistant/#")
    settings = load_settings()
    assert settings.app_port == 9000
    assert settings.mqtt_topics == ["zigbee2mqtt/#", "tele/+/SENSOR", "homeassistant/#"]


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("HOMEIQ_TIMEZONE=Europe/Amsterdam\n", encoding="utf-8")
    assert load_settings().timezone == "Europe/Amsterdam"


def test_bad_setting_names_variable_and_expected_form(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOMEIQ_APP_PORT", "eighty")
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert "HOMEIQ_APP_PORT='eighty'" in str(info.value)
    assert "integer" in str(info.value)


def test_unknown_timezone_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOMEIQ_TIMEZONE", "Mars/Olympus")
    with pytest.raises(SettingsError, match=r"HOMEIQ_TIMEZONE.*IANA"):
        load_settings()


def test_bad_store_backend_lists_choices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOMEIQ_STORE", "postgres")
    with pytest.raises(SettingsError, match=r"HOMEIQ_STORE.*'embedded' or 'influxdb3'"):
        load_settings()


def test_secret_values_never_appear_in_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOMEIQ_MQTT_URL", "mqtt://user:hunter2@broker:1883")
    monkeypatch.setenv("HOMEIQ_HA_TOKEN", "sekrit-token-value")
    monkeypatch.setenv("HOMEIQ_APP_PORT", "0")
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert "hunter2" not in str(info.value)
    assert "sekrit" not in str(info.value)
    settings = Settings(app_port=8501)
    assert "sekrit" not in repr(settings)
    assert "hunter2" not in repr(settings)


def test_token_file_is_read_and_stripped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("abc.def.ghi\n", encoding="utf-8")
    monkeypatch.setenv("HOMEIQ_HA_TOKEN_FILE", str(token_file))
    assert load_settings().ha_token_value() == "abc.def.ghi"


def test_missing_token_file_names_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOMEIQ_HA_TOKEN_FILE", str(tmp_path / "nope"))
    with pytest.raises(SettingsError, match="HOMEIQ_HA_TOKEN_FILE"):
        load_settings().ha_token_value()
