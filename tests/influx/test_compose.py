"""compose.yaml, the Dockerfile and deploy/ agree with each other and with Settings."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from homeiq.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
OURS = ("worker", "app", "kiosk")
FIELDS = {f"HOMEIQ_{name.upper()}" for name in Settings.model_fields}
_REF = re.compile(r"\$\{([A-Z0-9_]+)")


def _memory_mib(service: dict[str, Any]) -> int:
    text = str(service["deploy"]["resources"]["limits"]["memory"])
    number, unit = int(text[:-1]), text[-1].upper()
    return number * {"M": 1, "G": 1024}[unit]


def _healthcheck(name: str) -> str:
    return " ".join(SERVICES[name]["healthcheck"]["test"])


def test_services_are_the_issued_five() -> None:
    assert set(SERVICES) == {"influxdb3", "mosquitto", "worker", "app", "kiosk"}


def test_images_are_the_official_ones() -> None:
    assert SERVICES["influxdb3"]["image"] == "influxdb:3-core"
    assert SERVICES["mosquitto"]["image"] == "eclipse-mosquitto:2"


@pytest.mark.parametrize("name", OURS)
def test_our_services_build_from_the_one_dockerfile(name: str) -> None:
    build = SERVICES[name]["build"]
    assert build == {"context": ".", "dockerfile": "Dockerfile"}
    assert (ROOT / build["dockerfile"]).is_file()


def test_dockerfile_is_python_312_slim_and_drops_root() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.12-slim\b", text, re.M)
    users = re.findall(r"^USER (\S+)", text, re.M)
    assert users and users[-1] not in {"root", "0"}


@pytest.mark.parametrize("name", SERVICES)
def test_every_service_restarts_and_has_a_memory_limit(name: str) -> None:
    assert SERVICES[name]["restart"] == "unless-stopped"
    assert _memory_mib(SERVICES[name]) > 0


def test_memory_limits_leave_room_for_home_assistant_on_8_gb() -> None:
    total = sum(_memory_mib(service) for service in SERVICES.values())
    assert total <= 4 * 1024, f"{total} MiB leaves too little of 8 GiB for HA and the OS"


@pytest.mark.parametrize(
    ("name", "path", "setting"),
    [
        ("worker", "/healthz", "HOMEIQ_WORKER_PORT"),
        ("app", "/_stcore/health", "HOMEIQ_APP_PORT"),
        ("kiosk", "/_stcore/health", "HOMEIQ_KIOSK_PORT"),
    ],
)
def test_healthchecks_probe_the_port_the_service_listens_on(
    name: str, path: str, setting: str
) -> None:
    port = SERVICES[name]["environment"][setting]
    assert f"http://127.0.0.1:{port}{path}" in _healthcheck(name)


@pytest.mark.parametrize(
    ("name", "setting"), [("app", "HOMEIQ_APP_PORT"), ("kiosk", "HOMEIQ_KIOSK_PORT")]
)
def test_published_ports_match_the_ui_settings(name: str, setting: str) -> None:
    port = SERVICES[name]["environment"][setting]
    assert f"{port}:{port}" in SERVICES[name]["ports"]


def test_influxdb_serves_on_8181_with_data_on_a_named_volume() -> None:
    influx = SERVICES["influxdb3"]
    assert "127.0.0.1:8181:8181" in influx["ports"]
    volume = influx["volumes"][0].split(":")[0]
    assert volume in COMPOSE["volumes"]
    assert "--admin-token-file" in " ".join(influx["command"])
    for name in OURS:
        assert SERVICES[name]["environment"]["HOMEIQ_INFLUX_HOST"] == "http://influxdb3:8181"


def test_mosquitto_config_is_in_the_repo_and_refuses_anonymous_clients() -> None:
    mounts = SERVICES["mosquitto"]["volumes"]
    config = next(m for m in mounts if m.endswith(":/mosquitto/config/mosquitto.conf:ro"))
    text = (ROOT / config.split(":")[0]).read_text(encoding="utf-8")
    assert re.search(r"^allow_anonymous false$", text, re.M)
    assert re.search(r"^password_file /mosquitto/config/passwd$", text, re.M)
    assert "mosquitto_passwd" in (ROOT / "deploy" / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", SERVICES)
def test_homeiq_variables_are_real_settings(name: str) -> None:
    environment = SERVICES[name].get("environment", {})
    named = {key for key in environment if key.startswith("HOMEIQ_")}
    referenced = {ref for value in environment.values() for ref in _REF.findall(str(value))}
    unknown = {key for key in named | referenced if key.startswith("HOMEIQ_")} - FIELDS
    assert not unknown, f"{name}: not Settings fields: {sorted(unknown)}"


def test_env_example_names_only_real_settings_and_every_required_secret() -> None:
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    keys = {line.split("=", 1)[0] for line in lines if "=" in line and not line.startswith("#")}
    assert {key for key in keys if key.startswith("HOMEIQ_")} <= FIELDS
    required = set(_REF.findall((ROOT / "compose.yaml").read_text(encoding="utf-8")))
    assert required <= keys, f"compose.yaml needs {sorted(required - keys)} in .env.example"


def test_settings_accept_the_compose_environment() -> None:
    for name in OURS:
        environment = {
            key.removeprefix("HOMEIQ_").lower(): value
            for key, value in SERVICES[name]["environment"].items()
            if key.startswith("HOMEIQ_") and "${" not in str(value)
        }
        settings = Settings(_env_file=None, **environment)  # type: ignore[call-arg]
        assert settings.store == "influxdb3"
