"""The CLI's shape: cli.py only assembles command modules, and nothing imports it back."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import typer

from homeiq.cli import COMMAND_MODULES, app

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("homeiq", "app", "pages", "storage", "analytics", "ingest_worker")


def _imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def test_no_module_imports_the_cli_entry() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for package in PACKAGES
        if (ROOT / package).is_dir()
        for path in sorted((ROOT / package).rglob("*.py"))
        if "homeiq.cli" in _imported_modules(path)
    ]
    assert offenders == []


def test_every_command_module_registers_its_commands() -> None:
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"homeiq.commands.{name}")
        probe = typer.Typer()
        module.register(probe)
        assert probe.registered_commands or probe.registered_groups, name


def test_cli_offers_the_commands_of_every_module() -> None:
    names = {command.name for command in app.registered_commands}
    assert {"demo", "status", "export", "ingest", "import-recorder", "app", "kiosk"} <= names
    assert {"run", "migrate-store"} <= names


def test_store_backends_are_listed_once() -> None:
    literal = '("embedded", "influxdb3")'
    literal_type = 'Literal["embedded", "influxdb3"]'
    holders = [
        str(path.relative_to(ROOT))
        for package in PACKAGES
        if (ROOT / package).is_dir()
        for path in sorted((ROOT / package).rglob("*.py"))
        if literal in (text := path.read_text(encoding="utf-8")) or literal_type in text
    ]
    assert holders == ["storage/backends.py"]
