"""The layering of STYLE.md, checked on the source: arrows point one way.

pages -> app services -> analytics, storage; ingest_worker -> storage. Nothing imports app or
pages; pages never talk to a database, HA or MQTT; library code never reads the environment
and never prints.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIBRARIES = ("storage", "analytics", "ingest_worker")
DRIVERS = ("duckdb", "sqlalchemy", "sqlite3", "influxdb_client_3", "websockets", "aiomqtt")

# package -> module prefixes it must never import
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "pages": ("storage", "ingest_worker", "analytics", "homeiq", "pyarrow", "httpx", *DRIVERS),
    "analytics": ("storage", "ingest_worker", "app", "pages", "homeiq", "streamlit", *DRIVERS),
    "storage": ("ingest_worker", "analytics", "app", "pages", "homeiq", "streamlit"),
    "ingest_worker": ("analytics", "app", "pages", "streamlit", "homeiq.sim"),
    "app": ("pages", "ingest_worker", "websockets", "aiomqtt"),
    "homeiq": ("app", "pages"),
    # The HA client imports nothing of ours, so the worker and the app can both use it.
    "ha_client": ("storage", "analytics", "ingest_worker", "app", "pages", "homeiq", "automations"),
}
MAX_MODULE_LINES = 450


def _modules(package: str) -> Iterator[Path]:
    yield from sorted((ROOT / package).rglob("*.py"))


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module


def _matches(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_point_one_way(package: str) -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in _modules(package)
        for line, module in _imports(path)
        for prefix in FORBIDDEN[package]
        if _matches(module, prefix)
    ]
    assert not found, "layering broken:\n" + "\n".join(found)


@pytest.mark.parametrize("package", LIBRARIES)
def test_library_code_never_reads_environment_or_prints(package: str) -> None:
    found = []
    for path in _modules(package):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv"}:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} reads os.{node.attr}")
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print":
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} calls print()")
    assert not found, "\n".join(found)


def test_modules_stay_small_enough_to_read() -> None:
    too_long = [
        f"{path.relative_to(ROOT)} has {lines} lines"
        for package in (*FORBIDDEN, "bench")
        for path in _modules(package)
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    ]
    assert not too_long, f"split modules past {MAX_MODULE_LINES} lines:\n" + "\n".join(too_long)


def test_layering_rules_see_real_modules() -> None:
    # Guards the guard: a typo in a package name would make the checks above vacuous.
    for package in FORBIDDEN:
        assert (ROOT / package).is_dir(), package
    assert any(True for _ in _modules("storage"))
