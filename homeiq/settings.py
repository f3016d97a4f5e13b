"""The one Settings object of a HomeIQ process: ``HOMEIQ_*`` environment variables and ``.env``.

Entry points call ``load_settings()`` once and pass plain values into constructors;
library code (storage, analytics, ingest_worker) never reads the environment.
Every field has a description; tests check that the README documents each one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from pydantic_settings import SettingsError as _SourceError

from storage.backends import StoreBackend


class SettingsError(Exception):
    """A setting has a value of the wrong form; the message names it and the expected form."""


class Settings(BaseSettings):
    """Configuration of every HomeIQ process."""

    model_config = SettingsConfigDict(
        env_prefix="HOMEIQ_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        validate_default=True,
    )

    # --- storage -------------------------------------------------------------------
    data_dir: Path = Field(
        Path("data"),
        description="Folder of the embedded store, the metadata database and the worker spool.",
    )
    store: StoreBackend = Field(
        "embedded",
        description="Time-series backend: `embedded` (Parquet read through DuckDB) or `influxdb3`.",
    )
    raw_retention_days: int = Field(
        90,
        ge=1,
        description="Raw events older than this many days are dropped; hourly/daily rollups stay.",
    )
    rollup_retention_days: int = Field(
        730, ge=1, description="Rollups older than this many days are dropped."
    )
    influx_host: str = Field(
        "http://127.0.0.1:8181",
        description="InfluxDB 3 URL, used when HOMEIQ_STORE=influxdb3.",
    )
    influx_token: SecretStr | None = Field(
        None, description="InfluxDB 3 token (secret), used when HOMEIQ_STORE=influxdb3."
    )
    influx_database: str = Field(
        "homeiq", description="InfluxDB 3 database for raw events; rollups go to `<name>_rollup`."
    )

    # --- Home Assistant ------------------------------------------------------------
    ha_url: str | None = Field(
        None, description="Home Assistant base URL, for example `http://homeassistant.local:8123`."
    )
    ha_token: SecretStr | None = Field(
        None, description="Home Assistant long-lived access token (secret)."
    )
    ha_token_file: Path | None = Field(
        None, description="File holding the HA token, instead of HOMEIQ_HA_TOKEN (Docker secrets)."
    )
    backfill_hours: float = Field(
        24.0,
        ge=0,
        description="On first start, how many hours of HA history to backfill.",
    )

    # --- MQTT ----------------------------------------------------------------------
    mqtt_url: SecretStr | None = Field(
        None,
        description="MQTT broker, `mqtt://user:pass@host:1883` (`mqtts://` for TLS); secret.",
    )
    mqtt_topics: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["zigbee2mqtt/#", "tele/+/SENSOR"],
        description="Comma-separated MQTT topic filters to subscribe to.",
    )
    mqtt_client_id: str = Field(
        "homeiq-ingest",
        description="Stable MQTT client id; the broker keeps QoS 1 messages for it while down.",
    )
    mqtt_max_payload_kb: int = Field(
        256, ge=1, description="MQTT payloads larger than this many KiB are quarantined."
    )

    # --- worker --------------------------------------------------------------------
    worker_port: int = Field(
        8765, ge=1, le=65535, description="Loopback port of the worker's /healthz and /metrics."
    )
    worker_host: str = Field(
        "127.0.0.1", description="Address the worker's health server binds to."
    )
    spool_max_mb: int = Field(
        1024, ge=1, description="Disk budget of the worker's spool in MiB; warns at 80 %."
    )
    batch_size: int = Field(
        5000, ge=1, description="Most events the worker writes to the store in one batch."
    )

    # --- optional LLM wording of suggestions ----------------------------------------
    llm_base_url: str | None = Field(
        None,
        description="OpenAI-compatible API base URL for suggestion wording (OpenAI, Ollama's "
        "`http://127.0.0.1:11434/v1`, llama.cpp, LocalAI); unset = off.",
    )
    llm_model: str | None = Field(
        None, description="Model name for suggestion wording; wording is off while unset."
    )
    llm_api_key_file: Path | None = Field(
        None, description="File holding the API key, when the wording server needs one."
    )
    llm_monthly_cap: int = Field(
        100,
        ge=0,
        description="Most wording requests per calendar month (UTC), failed ones included; "
        "then our own wording.",
    )
    llm_send_names: bool = Field(
        False,
        description="Send friendly names to the language model instead of pseudonyms "
        "(light 1, motion sensor 1).",
    )
    llm_timeout_s: float = Field(
        30.0,
        gt=0,
        le=600,
        description="Seconds to wait for the wording server's answer; then our own wording.",
    )

    # --- app -----------------------------------------------------------------------
    app_host: str | None = Field(
        None,
        description="Address the admin workbench listens on. Unset: `127.0.0.1` when "
        "HOMEIQ_APP_AUTH is `none` (this machine only), `0.0.0.0` when sign-in is on. Set it "
        "to `0.0.0.0` with auth `none` and every page warns that anyone reaching it can read it.",
    )
    app_auth: Literal["ha", "password", "none"] | None = Field(
        None,
        description="Who may open the admin workbench: `ha` (Sign in with Home Assistant, "
        "admins only), `password` (HOMEIQ_ADMIN_PASSWORD_HASH), `none` (no sign-in, loopback "
        "only). Unset: `ha` when HOMEIQ_HA_URL is set, else `password` when a hash is set, "
        "else `none`.",
    )
    app_url: str | None = Field(
        None,
        description="Public URL of the workbench as browsers reach it, e.g. "
        "`http://nuc.local:8501/`; the client id of Sign in with Home Assistant. Unset: the "
        "address the browser used.",
    )
    admin_password_hash: SecretStr | None = Field(
        None,
        description="Argon2 hash of the local admin password (print one with "
        "`homeiq hash-password`); secret.",
    )
    session_hours: float = Field(
        12.0, gt=0, description="A sign-in lasts this many hours (and ends on sign-out)."
    )
    kiosk_host: str = Field(
        "0.0.0.0",
        description="Address the kiosk listens on; it needs no sign-in and shows only its tiles "
        "(power now, energy today, outside temperature, unavailable count, HA connection).",
    )
    app_port: int = Field(8501, ge=1, le=65535, description="Port of the admin workbench.")
    kiosk_port: int = Field(8502, ge=1, le=65535, description="Port of the read-only kiosk.")
    kiosk_refresh_seconds: int = Field(
        30, ge=2, description="How often the kiosk tiles refresh, in seconds."
    )
    stale_after_hours: float = Field(
        24.0, gt=0, description="An entity with no update for this many hours is listed as stale."
    )
    timezone: str = Field(
        "UTC",
        description="IANA time zone for labels and day boundaries, e.g. `Europe/Amsterdam`; "
        "unset: the one Home Assistant reports (or the simulated home, a recorder import), "
        "else UTC.",
    )
    latitude: float | None = Field(
        None,
        ge=-90,
        le=90,
        description="Home latitude in degrees, for sunrise/sunset routines when HA does not "
        "give one; unset or 0,0 means no sun routines.",
    )
    longitude: float | None = Field(
        None,
        ge=-180,
        le=180,
        description="Home longitude in degrees (east positive), with HOMEIQ_LATITUDE.",
    )
    analyze_at: str = Field(
        "03:30",
        pattern=r"^(([01]\d|2[0-3]):[0-5]\d|off)$",
        description="Local time (HH:MM, in HOMEIQ_TIMEZONE) the ingest worker runs the daily "
        "analysis in a child process; `off` never runs it.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="Log level of every HomeIQ process."
    )

    currency: str | None = Field(
        None,
        pattern=r"^[A-Z]{3}$",
        description="ISO 4217 currency of prices and costs (e.g. `EUR`); overrides the one "
        "Home Assistant reports.",
    )

    # --- entity roles (override HA's energy prefs, your choices and the guesses) -------
    role_main_energy_meter: str | None = Field(
        None,
        description=(
            "Role main_energy_meter: grid import meter (Energy totals and cost); an"
            " entity id, `none` for no entity."
        ),
    )
    role_grid_export: str | None = Field(
        None,
        description=(
            "Role grid_export: energy returned to the grid; an entity id, `none` for no entity."
        ),
    )
    role_solar_production: str | None = Field(
        None,
        description=(
            "Role solar_production: solar energy produced; an entity id, `none` for no entity."
        ),
    )
    role_house_power: str | None = Field(
        None,
        description=(
            "Role house_power: the house's power now, baseload; an entity id, `none` for no entity."
        ),
    )
    role_electricity_price: str | None = Field(
        None,
        description=(
            "Role electricity_price: price per kWh, or a fixed number such as `0.31`; an"
            " entity id, `none` for no entity."
        ),
    )
    role_gas_meter: str | None = Field(
        None,
        description=("Role gas_meter: gas meter; an entity id, `none` for no entity."),
    )
    role_heating_energy: str | None = Field(
        None,
        description=(
            "Role heating_energy: heating energy meter (Weather page fits); an entity"
            " id, `none` for no entity."
        ),
    )
    role_heating_power: str | None = Field(
        None,
        description=("Role heating_power: heating power; an entity id, `none` for no entity."),
    )
    role_outdoor_temperature: str | None = Field(
        None,
        description=(
            "Role outdoor_temperature: outdoor temperature (weather fits, kiosk); an"
            " entity id, `none` for no entity."
        ),
    )
    role_indoor_temperature: str | None = Field(
        None,
        description=(
            "Role indoor_temperature: indoor temperature; an entity id, `none` for no entity."
        ),
    )
    role_media_player: str | None = Field(
        None,
        description=(
            "Role media_player: main TV / media player; an entity id, `none` for no entity."
        ),
    )
    role_sports_team: str | None = Field(
        None,
        description=(
            "Role sports_team: home-team sports sensor (TeamTracker); an entity id,"
            " `none` for no entity."
        ),
    )
    role_presence: str | None = Field(
        None,
        description=(
            "Role presence: presence (person or device_tracker); an entity id, `none`"
            " for no entity."
        ),
    )

    @field_validator("mqtt_topics", mode="before")
    @classmethod
    def _split_topics(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return value
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("app_url")
    @classmethod
    def _app_url_form(cls, value: str | None) -> str | None:
        from urllib.parse import urlsplit

        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.username:
            raise ValueError(
                "use the URL browsers open the workbench at, e.g. http://nuc.local:8501/"
            )
        return value.strip()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise ValueError(f"unknown time zone {value!r}; use an IANA name") from err
        return value

    def role_settings(self) -> dict[str, str]:
        """Return the HOMEIQ_ROLE_* values that are set, keyed by role name."""
        return {
            name.removeprefix("role_"): value
            for name, value in self.model_dump().items()
            if name.startswith("role_") and isinstance(value, str)
        }

    @model_validator(mode="after")
    def _auth_is_usable(self) -> Settings:
        if self.app_auth == "ha" and not self.ha_url:
            raise ValueError(
                "HOMEIQ_APP_AUTH=ha needs HOMEIQ_HA_URL (the Home Assistant to sign in with)"
            )
        if self.app_auth == "password" and self.admin_password_hash is None:
            raise ValueError(
                "HOMEIQ_APP_AUTH=password needs HOMEIQ_ADMIN_PASSWORD_HASH "
                "(print one with `homeiq hash-password`)"
            )
        return self

    def resolved_app_auth(self) -> Literal["ha", "password", "none"]:
        """Return HOMEIQ_APP_AUTH, or its default: ha with HA, password with a hash, else none."""
        if self.app_auth is not None:
            return self.app_auth
        if self.ha_url:
            return "ha"
        return "password" if self.admin_password_hash is not None else "none"

    def resolved_app_host(self) -> str:
        """Return HOMEIQ_APP_HOST, or loopback without sign-in and all interfaces with it."""
        if self.app_host:
            return self.app_host
        return "127.0.0.1" if self.resolved_app_auth() == "none" else "0.0.0.0"

    @property
    def metadata_path(self) -> Path:
        """Return the SQLite metadata database path."""
        return self.data_dir / "homeiq.sqlite"

    @property
    def spool_path(self) -> Path:
        """Return the worker's durable spool path."""
        return self.data_dir / "spool.sqlite"

    def ha_token_value(self) -> str | None:
        """Return the HA token from HOMEIQ_HA_TOKEN or HOMEIQ_HA_TOKEN_FILE, else None."""
        if self.ha_token is not None:
            return self.ha_token.get_secret_value().strip() or None
        if self.ha_token_file is not None:
            try:
                return self.ha_token_file.read_text(encoding="utf-8").strip() or None
            except OSError as err:
                raise SettingsError(
                    f"HOMEIQ_HA_TOKEN_FILE: cannot read {self.ha_token_file} ({err.strerror}); "
                    "point it at a file holding the long-lived access token"
                ) from err
        return None

    def llm_api_key(self) -> SecretStr | None:
        """Return the wording server's API key from HOMEIQ_LLM_API_KEY_FILE, else None."""
        if self.llm_api_key_file is None:
            return None
        try:
            key = self.llm_api_key_file.read_text(encoding="utf-8").strip()
        except OSError as err:
            raise SettingsError(
                f"HOMEIQ_LLM_API_KEY_FILE: cannot read {self.llm_api_key_file} ({err.strerror}); "
                "point it at a file holding the API key"
            ) from err
        return SecretStr(key) if key else None


def _describe(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        if not item["loc"]:  # a rule across settings: its message names them; no values shown
            lines.append(str(item["msg"]).removeprefix("Value error, "))
            continue
        name = "HOMEIQ_" + "_".join(str(part) for part in item["loc"][:1]).upper()
        got = item.get("input")
        secret = any(word in name.lower() for word in ("token", "url", "hash", "password"))
        shown = "<secret>" if secret else repr(got)
        lines.append(f"{name}={shown}: {item['msg']}")
    return "Invalid settings:\n  " + "\n  ".join(lines)


def load_settings(**overrides: object) -> Settings:
    """Return validated settings, or raise SettingsError naming each bad setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as err:
        raise SettingsError(_describe(err)) from None
    except _SourceError as err:
        raise SettingsError(f"Invalid settings: {err}") from None
