"""`homeiq app`, `homeiq kiosk` and `homeiq run` (what `make run` starts)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from homeiq.commands.runtime import load_cli_settings, open_cli_store

ROOT = Path(__file__).resolve().parents[2]
# app/server.py is an st.App around app/main.py that adds the sign-in routes.
ADMIN_ENTRY = ROOT / "app" / "server.py"
KIOSK_ENTRY = ROOT / "app" / "kiosk.py"


HOST_HELP = "Address to listen on (default: HOMEIQ_APP_HOST)."
KIOSK_HOST_HELP = "Address to listen on (default: HOMEIQ_KIOSK_HOST)."


def register(app: typer.Typer) -> None:
    """Add ``app``, ``kiosk`` and ``run`` to ``app``."""
    app.command("app")(admin)
    app.command("kiosk")(kiosk)
    app.command("run")(run)


def streamlit_command(entry: Path, port: int, host: str) -> list[str]:
    """Return the command line that serves ``entry`` with Streamlit on ``host:port``."""
    # A wall display stays dark; the admin app offers both themes in its settings menu.
    theme = ["--theme.base", "dark"] if entry.name == KIOSK_ENTRY.name else []
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(entry),
        "--server.port",
        str(port),
        "--server.address",
        host,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        # The agent API would let a client without a browser drive the app; we never want it.
        "--server.enableAgentApi",
        "false",
        *theme,
    ]


def _exec(command: list[str]) -> None:
    os.chdir(ROOT)  # Streamlit reads .streamlit/config.toml from the working directory
    os.execv(command[0], command)


def admin(
    host: Annotated[str | None, typer.Option(help=HOST_HELP)] = None,
) -> None:
    """Serve the admin workbench on HOMEIQ_APP_PORT (default 8501)."""
    settings = load_cli_settings()
    _exec(streamlit_command(ADMIN_ENTRY, settings.app_port, host or settings.resolved_app_host()))


def kiosk(
    host: Annotated[str | None, typer.Option(help=KIOSK_HOST_HELP)] = None,
) -> None:
    """Serve the read-only kiosk on HOMEIQ_KIOSK_PORT (default 8502)."""
    settings = load_cli_settings()
    if not KIOSK_ENTRY.is_file():
        typer.echo("kiosk: app/kiosk.py is missing from this checkout", err=True)
        raise typer.Exit(1)
    _exec(streamlit_command(KIOSK_ENTRY, settings.kiosk_port, host or settings.kiosk_host))


def run(
    host: Annotated[str | None, typer.Option(help=HOST_HELP)] = None,
    demo_days: Annotated[
        int | None,
        typer.Option(help="Days of simulated home when empty; default as `homeiq demo`."),
    ] = None,
    demo_entities: Annotated[int, typer.Option(help="Simulated entities when empty.")] = 150,
) -> None:
    """Fill an empty store with the simulated home, then run worker (if configured), app, kiosk."""
    from homeiq.commands import store_cmds

    settings = load_cli_settings()
    admin_host = host or settings.resolved_app_host()
    kiosk_host = host or settings.kiosk_host
    store = open_cli_store(settings)
    try:
        empty = store.stats().events == 0
    finally:
        store.close()
    has_source = bool(settings.ha_url or settings.mqtt_url)
    if empty and not has_source:
        typer.echo("run: the store is empty and no home is configured; simulating one", err=True)
        store_cmds.demo(days=demo_days, entities=demo_entities, seed=42, end=None)
    children: dict[str, subprocess.Popen[bytes]] = {}
    if has_source:
        children["worker"] = subprocess.Popen([sys.executable, "-m", "homeiq.cli", "ingest"])
    children["app"] = subprocess.Popen(
        streamlit_command(ADMIN_ENTRY, settings.app_port, admin_host), cwd=ROOT
    )
    if KIOSK_ENTRY.is_file():
        children["kiosk"] = subprocess.Popen(
            streamlit_command(KIOSK_ENTRY, settings.kiosk_port, kiosk_host), cwd=ROOT
        )
    typer.echo(
        f"run: workbench on http://localhost:{settings.app_port}"
        + (f", kiosk on http://localhost:{settings.kiosk_port}" if "kiosk" in children else "")
        + ("; ingest worker running" if "worker" in children else "")
        + ". Ctrl-C stops everything.",
        err=True,
    )
    raise typer.Exit(_supervise(children))


def _supervise(children: dict[str, subprocess.Popen[bytes]]) -> int:
    """Wait until a child exits or we are told to stop; stop the rest; return an exit code."""
    stopping = False

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    code = 0
    while not stopping:
        for name, child in children.items():
            if child.poll() is not None:
                typer.echo(f"run: {name} exited with code {child.returncode}", err=True)
                code = child.returncode or 1
                stopping = True
                break
        time.sleep(0.5)
    for child in children.values():
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 10
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
    return code
