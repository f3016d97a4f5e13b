"""HA's automation config API (``/api/config/automation/config/<id>``) and the lookups around it.

What HA really does (homeassistant/components/config/view.py, automation.py): POST validates,
writes ``automations.yaml`` atomically and answers 200 *before* the reload has made the entity;
GET answers 404 and DELETE 400 for an unknown id; all three need an admin token (401 else).
The entity id comes from the alias, so the entity is found through the entity registry's
``unique_id`` (equal to the config id), never guessed. Imports nothing of ours.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
from websockets.exceptions import WebSocketException
from websockets.sync.client import connect

_log = logging.getLogger(__name__)


class HAError(Exception):
    """Talking to Home Assistant failed; the message says what and what to check."""


class HAUnreachable(HAError):
    """Home Assistant did not answer at all."""


@dataclass(frozen=True, kw_only=True)
class HAAnswer:
    """HA's HTTP answer: status code and body (parsed JSON, or the text when not JSON)."""

    status: int
    body: Any

    @property
    def message(self) -> str:
        """Return HA's own message ("Message malformed: ...") or the body as text."""
        if isinstance(self.body, Mapping) and "message" in self.body:
            return str(self.body["message"])
        return self.body if isinstance(self.body, str) else json.dumps(self.body)

    def to_dict(self) -> dict[str, Any]:
        """Return the answer as JSON-ready fields."""
        return {"status": self.status, "body": self.body}


class HARejected(HAError):
    """Home Assistant answered with an error status; ``answer`` holds it verbatim."""

    def __init__(self, message: str, answer: HAAnswer) -> None:
        super().__init__(message)
        self.answer = answer


class HANotAdmin(HARejected):
    """The token is not an admin's (HA answered 401/403 on an admin-only endpoint)."""


def _answer(response: httpx.Response) -> HAAnswer:
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    return HAAnswer(status=response.status_code, body=body)


class AutomationConfigClient:
    """Synchronous client for HA's automation config API, states and registry lookups."""

    def __init__(self, *, base_url: str, token: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._timeout = timeout

    def __repr__(self) -> str:
        # Never show the token.
        return f"AutomationConfigClient(base_url={self.base_url!r})"

    # --- HTTP ---------------------------------------------------------------------------
    def _request(self, method: str, path: str, body: Any = None) -> HAAnswer:
        url = self.base_url + path
        try:
            with httpx.Client(timeout=self._timeout) as http:
                response = http.request(
                    method,
                    url,
                    json=body,
                    headers={"Authorization": f"Bearer {self._token}"},
                )
        except httpx.HTTPError as err:
            raise HAUnreachable(
                f"Cannot reach Home Assistant at {self.base_url} ({type(err).__name__}: {err}). "
                "Is HA running and is HOMEIQ_HA_URL right?"
            ) from err
        answer = _answer(response)
        if answer.status in (401, 403):
            raise HANotAdmin(
                f"Home Assistant at {self.base_url} refused {method} {path} with "
                f"{answer.status}: the token lacks admin rights (or is invalid). Use a "
                "long-lived token of an administrator in HOMEIQ_HA_TOKEN / HOMEIQ_HA_TOKEN_FILE.",
                answer,
            )
        return answer

    def _config_path(self, config_id: str) -> str:
        return f"/api/config/automation/config/{quote(config_id, safe='')}"

    def post_config(self, config_id: str, config: Mapping[str, Any]) -> HAAnswer:
        """POST ``config`` under ``config_id``; return HA's 200 answer or raise HARejected."""
        answer = self._request("POST", self._config_path(config_id), dict(config))
        if answer.status != 200:
            raise HARejected(
                f"Home Assistant rejected automation {config_id} ({answer.status}): "
                f"{answer.message}",
                answer,
            )
        return answer

    def get_config(self, config_id: str) -> dict[str, Any] | None:
        """Return the stored config of ``config_id``, or None when HA has none (404)."""
        answer = self._request("GET", self._config_path(config_id))
        if answer.status == 404:
            return None
        if answer.status != 200 or not isinstance(answer.body, dict):
            raise HARejected(
                f"Home Assistant answered {answer.status} reading automation {config_id}: "
                f"{answer.message}",
                answer,
            )
        return answer.body

    def delete_config(self, config_id: str) -> HAAnswer:
        """DELETE ``config_id``; return HA's answer (400 "Resource not found" when missing)."""
        answer = self._request("DELETE", self._config_path(config_id))
        if answer.status not in (200, 400):
            raise HARejected(
                f"Home Assistant answered {answer.status} deleting automation {config_id}: "
                f"{answer.message}",
                answer,
            )
        return answer

    def state(self, entity_id: str) -> dict[str, Any] | None:
        """Return the state object of ``entity_id``, or None when HA has no such state."""
        answer = self._request("GET", f"/api/states/{quote(entity_id, safe='')}")
        if answer.status == 404:
            return None
        if answer.status != 200 or not isinstance(answer.body, dict):
            raise HARejected(f"Home Assistant answered {answer.status} for {entity_id}", answer)
        return answer.body

    def states(self) -> list[dict[str, Any]]:
        """Return every state object."""
        answer = self._request("GET", "/api/states")
        if answer.status != 200 or not isinstance(answer.body, list):
            raise HARejected(f"Home Assistant answered {answer.status} for /api/states", answer)
        return answer.body

    def temperature_unit(self) -> str:
        """Return the home's temperature unit ("°C" or "°F") from /api/config."""
        answer = self._request("GET", "/api/config")
        units = answer.body.get("unit_system", {}) if isinstance(answer.body, dict) else {}
        return str(units.get("temperature", "°C"))

    # --- WebSocket ------------------------------------------------------------------------
    def ws_commands(self, commands: Sequence[Mapping[str, Any]]) -> list[Any]:
        """Send WS commands in one session; return each result or raise HARejected."""
        ws_url = "ws" + self.base_url.removeprefix("http") + "/api/websocket"
        try:
            with connect(ws_url, open_timeout=self._timeout, max_size=None) as ws:
                ws.recv(self._timeout)
                ws.send(json.dumps({"type": "auth", "access_token": self._token}))
                auth = json.loads(ws.recv(self._timeout))
                if auth.get("type") != "auth_ok":
                    raise HANotAdmin(
                        f"Home Assistant at {self.base_url} refused the token "
                        f"({auth.get('message', auth.get('type'))}); check HOMEIQ_HA_TOKEN.",
                        HAAnswer(status=401, body=auth),
                    )
                results = []
                for number, command in enumerate(commands, start=1):
                    ws.send(json.dumps({"id": number, **command}))
                    reply = json.loads(ws.recv(self._timeout * 3))
                    if not reply.get("success"):
                        error = reply.get("error", {})
                        status = 401 if error.get("code") == "unauthorized" else 400
                        kind = HANotAdmin if status == 401 else HARejected
                        raise kind(
                            f"Home Assistant refused {command.get('type')}: "
                            f"{error.get('message', error)}",
                            HAAnswer(status=status, body=error),
                        )
                    results.append(reply.get("result"))
                return results
        except (OSError, TimeoutError, WebSocketException) as err:
            raise HAUnreachable(
                f"Cannot reach Home Assistant's WebSocket at {ws_url} ({type(err).__name__}: "
                f"{err}). Is HA running and is HOMEIQ_HA_URL right?"
            ) from err

    def entity_registry(self) -> list[dict[str, Any]]:
        """Return HA's entity registry entries (config/entity_registry/list)."""
        (entries,) = self.ws_commands([{"type": "config/entity_registry/list"}])
        return list(entries or [])

    def services(self) -> frozenset[str]:
        """Return every action HA offers as "domain.service" (WS get_services)."""
        (services,) = self.ws_commands([{"type": "get_services"}])
        return frozenset(
            f"{domain}.{name}" for domain, names in (services or {}).items() for name in names
        )

    def find_automation_entity(self, config_id: str) -> str | None:
        """Return the entity id of automation ``config_id`` (registry unique_id), or None."""
        for entry in self.entity_registry():
            if entry.get("platform") == "automation" and entry.get("unique_id") == config_id:
                return str(entry["entity_id"])
        # An automation without a registry entry still carries its id as a state attribute.
        for state in self.states():
            entity_id = str(state.get("entity_id", ""))
            if entity_id.startswith("automation.") and (
                state.get("attributes", {}).get("id") == config_id
            ):
                return entity_id
        return None
