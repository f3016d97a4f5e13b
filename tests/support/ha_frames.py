"""Records the frames a real Home Assistant sends a WebSocket client, for fixtures.

``python -m tests.support.ha_frames OUT.jsonl`` starts the test peer (HAPeer), opens a
WebSocket session the way the ingest source does (auth, coalesce_messages, registries,
get_states, subscribe state_changed), changes the test entities through REST service
calls, and writes every received text frame verbatim, one per line. The token is never
written: HA does not echo it.
"""

from __future__ import annotations

import json
import sys
import tempfile
import threading
import time
from pathlib import Path

from websockets.sync.client import connect

from tests.support.ha_peer import HAPeer

COMMANDS = (
    {"type": "supported_features", "features": {"coalesce_messages": 1}},
    {"type": "config/area_registry/list"},
    {"type": "config/device_registry/list"},
    {"type": "config/entity_registry/list"},
    {"type": "get_states"},
    {"type": "subscribe_events", "event_type": "state_changed"},
    {"type": "ping"},
)


def _changes(peer: HAPeer, rounds: int) -> None:
    for step in range(rounds):
        peer.call_service(
            "input_number", "set_value", entity_id="input_number.homeiq_level", value=step * 12.5
        )
        peer.call_service("input_boolean", "toggle", entity_id="input_boolean.homeiq_switch")
        peer.call_service(
            "input_text",
            "set_value",
            entity_id="input_text.homeiq_note",
            value=f"note {step} – ünïcode",
        )
        peer.call_service("counter", "increment", entity_id="counter.homeiq_ticks")
        peer.call_service("light", "toggle", entity_id="light.bed_light")
        time.sleep(0.2)


def record(peer: HAPeer, out: Path, *, rounds: int = 20, settle: float = 3.0) -> int:
    """Write received frames of one scripted session to ``out``; return how many."""
    frames: list[str] = []
    with connect(peer.ws_url, max_size=None, open_timeout=10) as ws:
        frames.append(str(ws.recv(10)))
        ws.send(json.dumps({"type": "auth", "access_token": peer.token}))
        frames.append(str(ws.recv(10)))
        for ident, command in enumerate(COMMANDS, start=1):
            ws.send(json.dumps({"id": ident, **command}))
        worker = threading.Thread(target=_changes, args=(peer, rounds))
        worker.start()
        deadline = time.monotonic() + rounds * 1.0 + settle
        while time.monotonic() < deadline:
            try:
                frames.append(str(ws.recv(0.5)))
            except TimeoutError:
                if not worker.is_alive():
                    break
        worker.join()
    out.write_text("".join(frame.replace("\n", " ") + "\n" for frame in frames))
    return len(frames)


if __name__ == "__main__":
    target = Path(sys.argv[1])
    with tempfile.TemporaryDirectory() as tmp:
        running = HAPeer(Path(tmp) / "config").start()
        try:
            print(record(running, target), "frames written to", target)
        finally:
            running.stop()
