"""A real Home Assistant server on a free loopback port, for tests and benchmarks.

``HAPeer(config_dir).start()`` writes the configuration template, starts ``hass`` from
the cached venv (tests/support/ha_venv.py), onboards the owner headlessly the first
time and creates a long-lived access token. ``stop()`` sends SIGTERM to the PID and
SIGKILL after a timeout; ``start()`` again brings the same instance (config, recorder
database, token) back, possibly on the same port.
"""

from __future__ import annotations

import atexit
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import connect

from tests.support.ha_venv import ensure_venv

TEMPLATE = Path(__file__).with_name("ha_config") / "configuration.yaml"
PR_SET_PDEATHSIG = 1
OWNER = {"name": "HomeIQ Test", "username": "homeiq", "password": "homeiq-test-password-1"}
# Energy dashboard preferences over the demo integration's sensors (HAPeer.save_energy_prefs).
DEMO_ENERGY_PREFS: dict[str, Any] = {
    "energy_sources": [
        {
            "type": "grid",
            "flow_from": [
                {
                    "stat_energy_from": "sensor.total_energy_kwh",
                    "stat_cost": None,
                    "entity_energy_price": None,
                    "number_energy_price": 0.3,
                }
            ],
            "flow_to": [],
            "cost_adjustment_day": 0.0,
        },
        {
            "type": "gas",
            "stat_energy_from": "sensor.total_gas_m3",
            "stat_cost": None,
            "entity_energy_price": None,
            "number_energy_price": 1.2,
        },
    ],
    "device_consumption": [{"stat_consumption": "sensor.total_energy_mwh"}],
}


def _die_with_parent() -> None:
    # Runs in the child before exec: if the test process dies (pytest killed, CI
    # timeout), the kernel sends hass SIGTERM, so no orphan HA keeps a port and 200 MB.
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


_RUNNING: set[subprocess.Popen[bytes]] = set()


@atexit.register
def _stop_leftovers() -> None:
    # A peer started from a worker thread has no PDEATHSIG; stop it at interpreter exit.
    for process in list(_RUNNING):
        if process.poll() is None:
            process.terminate()


def _main_thread_on_linux() -> bool:
    return sys.platform == "linux" and threading.current_thread() is threading.main_thread()


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class HAPeer:
    """One Home Assistant instance bound to ``config_dir``."""

    config_dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    token: str = ""

    @property
    def url(self) -> str:
        """Return the HTTP base URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        """Return the WebSocket API URL."""
        return f"ws://127.0.0.1:{self.port}/api/websocket"

    @property
    def database(self) -> Path:
        """Return the recorder SQLite database path."""
        return self.config_dir / "home-assistant_v2.db"

    @property
    def pid(self) -> int | None:
        """Return the hass PID while it runs."""
        return self.process.pid if self.process is not None else None

    def start(self, timeout: float = 180.0) -> HAPeer:
        """Start hass, wait until it is RUNNING and a token works; return self."""
        venv = ensure_venv()
        self.config_dir.mkdir(parents=True, exist_ok=True)
        text = TEMPLATE.read_text().replace("@PORT@", str(self.port))
        (self.config_dir / "configuration.yaml").write_text(text)
        automations = self.config_dir / "automations.yaml"
        if not automations.exists():
            automations.write_text("[]\n")
        log = (self.config_dir / "hass.out").open("ab")
        self.process = subprocess.Popen(
            [str(venv / "bin" / "hass"), "-c", str(self.config_dir), "--skip-pip"],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            # The kernel ties PDEATHSIG to the forking *thread*; only the main thread
            # lives as long as the test process (asyncio.to_thread workers do not).
            preexec_fn=_die_with_parent if _main_thread_on_linux() else None,
        )
        log.close()
        _RUNNING.add(self.process)
        try:
            self._wait_ready(time.monotonic() + timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Stop hass: SIGTERM by PID, SIGKILL when it has not exited after ``timeout``."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        _RUNNING.discard(process)
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(10)

    def kill(self) -> None:
        """Stop hass with SIGKILL at once (a crash, as far as clients can tell)."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            _RUNNING.discard(process)
            os.kill(process.pid, signal.SIGKILL)
            process.wait(10)

    def restart(self, timeout: float = 180.0) -> HAPeer:
        """Stop and start the same instance on the same port; return self."""
        self.stop()
        return self.start(timeout)

    def _alive(self) -> None:
        if self.process is None or self.process.poll() is not None:
            tail = (self.config_dir / "hass.out").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"hass exited during start-up; log tail:\n{tail}")

    def _wait_ready(self, deadline: float) -> None:
        with httpx.Client(base_url=self.url, timeout=10.0) as http:
            while True:
                self._alive()
                try:
                    if http.get("/api/onboarding").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError(f"HA at {self.url} did not answer in time")
                time.sleep(0.3)
            self.token = self._ensure_token(http)
            while True:
                self._alive()
                config = http.get("/api/config", headers=self._headers()).json()
                if config.get("state") == "RUNNING":
                    return
                if time.monotonic() > deadline:
                    raise TimeoutError(f"HA at {self.url} stayed in state {config.get('state')}")
                time.sleep(0.3)

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def _ensure_token(self, http: httpx.Client) -> str:
        token_file = self.config_dir / "homeiq-token"
        if token_file.is_file():
            token = token_file.read_text().strip()
            ok = http.get("/api/", headers={"Authorization": f"Bearer {token}"})
            if ok.status_code == 200:
                return token
        client_id = self.url + "/"
        steps = {step["step"]: step["done"] for step in http.get("/api/onboarding").json()}
        if not steps.get("user"):
            body = {"client_id": client_id, "language": "en", **OWNER}
            code = http.post("/api/onboarding/users", json=body).raise_for_status().json()
            auth_code = code["auth_code"]
        else:
            flow = http.post(
                "/auth/login_flow",
                json={
                    "client_id": client_id,
                    "handler": ["homeassistant", None],
                    "redirect_uri": client_id,
                },
            ).raise_for_status()
            step = http.post(
                f"/auth/login_flow/{flow.json()['flow_id']}",
                json={
                    "client_id": client_id,
                    "username": OWNER["username"],
                    "password": OWNER["password"],
                },
            ).raise_for_status()
            auth_code = step.json()["result"]
        grant = {"grant_type": "authorization_code", "code": auth_code, "client_id": client_id}
        access = http.post("/auth/token", data=grant).raise_for_status().json()["access_token"]
        headers = {"Authorization": f"Bearer {access}"}
        # The core_config step would create network-bound config entries; skip it.
        for step_name, payload in (
            ("analytics", {}),
            ("integration", {"client_id": client_id, "redirect_uri": client_id}),
        ):
            if not steps.get(step_name):
                http.post(f"/api/onboarding/{step_name}", json=payload, headers=headers)
        token = self._long_lived_token(access)
        token_file.write_text(token)
        token_file.chmod(0o600)
        return token

    def _long_lived_token(self, access: str) -> str:
        with connect(self.ws_url, open_timeout=10, max_size=None) as ws:
            ws.recv(10)
            ws.send(json.dumps({"type": "auth", "access_token": access}))
            reply = json.loads(ws.recv(10))
            if reply.get("type") != "auth_ok":
                raise RuntimeError(f"HA refused the onboarding access token: {reply.get('type')}")
            request = {
                "id": 1,
                "type": "auth/long_lived_access_token",
                "client_name": f"homeiq-tests-{time.time_ns()}",
                "lifespan": 3650,
            }
            ws.send(json.dumps(request))
            result = json.loads(ws.recv(10))
            if not result.get("success"):
                raise RuntimeError(f"HA did not create a long-lived token: {result.get('error')}")
            return str(result["result"])

    def user_token(self, username: str, password: str, *, admin: bool) -> str:
        """Return an access token of a user (created on first use), admin or not."""
        users = self.ws_command("config/auth/list")
        if not any(user.get("name") == username for user in users):
            group = "system-admin" if admin else "system-users"
            user = self.ws_command("config/auth/create", name=username, group_ids=[group])
            self.ws_command(
                "config/auth_provider/homeassistant/create",
                user_id=user["user"]["id"],
                username=username,
                password=password,
            )
        client_id = self.url + "/"
        with httpx.Client(base_url=self.url, timeout=30.0) as http:
            flow = http.post(
                "/auth/login_flow",
                json={
                    "client_id": client_id,
                    "handler": ["homeassistant", None],
                    "redirect_uri": client_id,
                },
            ).raise_for_status()
            step = http.post(
                f"/auth/login_flow/{flow.json()['flow_id']}",
                json={"client_id": client_id, "username": username, "password": password},
            ).raise_for_status()
            grant = {
                "grant_type": "authorization_code",
                "code": step.json()["result"],
                "client_id": client_id,
            }
            reply = http.post("/auth/token", data=grant).raise_for_status()
            return str(reply.json()["access_token"])

    # ---- REST helpers the tests use -------------------------------------------------

    def call_service(self, domain: str, service: str, **data: Any) -> None:
        """Call an HA service through the REST API."""
        with httpx.Client(base_url=self.url, timeout=30.0, headers=self._headers()) as http:
            http.post(f"/api/services/{domain}/{service}", json=data).raise_for_status()

    def set_state(self, entity_id: str, state: str, **attributes: Any) -> None:
        """Create or update a state-only entity through ``POST /api/states/<entity_id>``."""
        body = {"state": state, "attributes": attributes}
        with httpx.Client(base_url=self.url, timeout=30.0, headers=self._headers()) as http:
            http.post(f"/api/states/{entity_id}", json=body).raise_for_status()

    def remove_state(self, entity_id: str) -> None:
        """Remove a state-only entity (HA fires state_changed with new_state null)."""
        with httpx.Client(base_url=self.url, timeout=30.0, headers=self._headers()) as http:
            http.delete(f"/api/states/{entity_id}").raise_for_status()

    def ws_command(self, kind: str, **payload: Any) -> Any:
        """Send one WebSocket API command (config/entity_registry/update...); return its result."""
        with connect(self.ws_url, open_timeout=10, max_size=None) as ws:
            ws.recv(10)
            ws.send(json.dumps({"type": "auth", "access_token": self.token}))
            if json.loads(ws.recv(10)).get("type") != "auth_ok":
                raise RuntimeError("HA refused the test token")
            ws.send(json.dumps({"id": 1, "type": kind, **payload}))
            reply = json.loads(ws.recv(30))
            if not reply.get("success"):
                raise RuntimeError(f"HA refused {kind}: {reply.get('error')}")
            return reply.get("result")

    def save_energy_prefs(self, prefs: dict[str, Any] | None = None) -> dict[str, Any]:
        """Save energy dashboard preferences (default DEMO_ENERGY_PREFS); return HA's answer."""
        saved: dict[str, Any] = self.ws_command("energy/save_prefs", **(prefs or DEMO_ENERGY_PREFS))
        return saved

    def states(self) -> list[dict[str, Any]]:
        """Return every entity's current state as the REST API reports it."""
        with httpx.Client(base_url=self.url, timeout=30.0, headers=self._headers()) as http:
            result: list[dict[str, Any]] = http.get("/api/states").raise_for_status().json()
            return result

    def history(
        self, entity_ids: list[str], start: datetime, end: datetime
    ) -> dict[str, list[dict[str, Any]]]:
        """Return the recorded states of ``entity_ids`` updated in [start, end], full objects."""
        params = {
            "filter_entity_id": ",".join(entity_ids),
            "end_time": end.isoformat(),
            "significant_changes_only": "0",
            # Without this HA adds the state current at ``start`` stamped ``start``.
            "skip_initial_state": "1",
        }
        with httpx.Client(base_url=self.url, timeout=60.0, headers=self._headers()) as http:
            reply = http.get(f"/api/history/period/{start.isoformat()}", params=params)
            rows: list[list[dict[str, Any]]] = reply.raise_for_status().json()
        return {series[0]["entity_id"]: series for series in rows if series}
