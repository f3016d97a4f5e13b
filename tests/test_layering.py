"""The layering of STYLE.md, checked on the source: arrows point one way.

pages -> app services -> analytics, automations, storage, ha_client; ingest_worker -> storage,
ha_client. Nothing imports app or pages; pages never talk to a database, HA or MQTT; ha_client
imports nothing of ours; automations is pure; the kiosk never reaches ha_client; the heavy
libraries stay where they belong; library code never reads the environment and never prints.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIBRARIES = ("storage", "analytics", "ingest_worker", "ha_client", "automations")
OURS = ("app", "pages", "homeiq", *LIBRARIES)
DRIVERS = ("duckdb", "sqlalchemy", "sqlite3", "influxdb_client_3", "websockets", "aiomqtt")

# package -> module prefixes it must never import
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "pages": (
        "storage",
        "ingest_worker",
        "analytics",
        "homeiq",
        "ha_client",
        "pyarrow",
        "httpx",
        *DRIVERS,
    ),
    "analytics": (
        "storage",
        "ingest_worker",
        "ha_client",
        "app",
        "pages",
        "homeiq",
        "streamlit",
        "httpx",
        *DRIVERS,
    ),
    "storage": ("ingest_worker", "analytics", "ha_client", "app", "pages", "homeiq", "streamlit"),
    "ingest_worker": ("analytics", "app", "pages", "streamlit", "homeiq.sim"),
    "app": ("pages", "ingest_worker", "websockets", "aiomqtt"),
    "homeiq": ("app", "pages"),
    # The HA client imports nothing of ours, so the worker and the app can both use it.
    "ha_client": ("storage", "analytics", "ingest_worker", "app", "pages", "homeiq", "automations"),
    # Pure: suggestion model, config rendering, safety rules, replay. The app deploys.
    "automations": (
        "storage",
        "ha_client",
        "ingest_worker",
        "app",
        "pages",
        "homeiq",
        "streamlit",
        "httpx",
        *DRIVERS,
    ),
}
# Packages created by coming issues: checked as soon as they exist.
NOT_YET = frozenset({"automations"})
# Heavy or costly libraries -> the only places that may import them.
ONLY_IN: dict[str, tuple[str, ...]] = {
    "darts": ("analytics/",),
    "statsforecast": ("analytics/",),
    "sklearn": ("analytics/",),
    "openai": ("automations/wording.py",),
}
# The kiosk entry, its page and its service; with everything of ours they import, they must
# never reach Home Assistant (no deploy from a wall screen) nor the heavy libraries.
KIOSK = ("app/kiosk.py", "app/services/kiosk.py", "pages/kiosk_wall.py")
KIOSK_FORBIDDEN = ("ha_client", "openai", "darts", "statsforecast", "sklearn", "ingest_worker")
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


def _source_of(module: str) -> Path | None:
    base = ROOT.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _closure(start: tuple[str, ...]) -> dict[Path, list[tuple[int, str]]]:
    """Return every module of ours reachable from ``start`` by imports, with its imports."""
    found: dict[Path, list[tuple[int, str]]] = {}
    todo = [ROOT / name for name in start]
    while todo:
        path = todo.pop()
        if path in found:
            continue
        found[path] = list(_imports(path))
        for module in _import_targets(path):
            parts = module.split(".")
            if parts[0] not in OURS:
                continue
            # the module and its packages: importing a.b.c runs a/__init__ and a/b/__init__
            for depth in range(1, len(parts) + 1):
                source = _source_of(".".join(parts[:depth]))
                if source is not None:
                    todo.append(source)
    return found


def _import_targets(path: Path) -> Iterator[str]:
    # "from app.services import kiosk" may import the submodule app.services.kiosk.
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


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


@pytest.mark.parametrize("library", sorted(ONLY_IN))
def test_heavy_libraries_are_imported_only_where_allowed(library: str) -> None:
    found = [
        f"{rel}:{line} imports {module}"
        for package in (*FORBIDDEN, "bench")
        for path in _modules(package)
        if not (rel := path.relative_to(ROOT).as_posix()).startswith(ONLY_IN[library])
        for line, module in _imports(path)
        if _matches(module, library)
    ]
    assert not found, f"{library} only in {ONLY_IN[library]}:\n" + "\n".join(found)


def test_kiosk_never_reaches_home_assistant_or_heavy_libraries() -> None:
    reached = _closure(KIOSK)
    assert ROOT / "app/services/kiosk.py" in reached and ROOT / "storage/protocol.py" in reached
    found = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path, imports in reached.items()
        for line, module in imports
        for prefix in KIOSK_FORBIDDEN
        if _matches(module, prefix)
    ]
    assert not found, "the kiosk reaches:\n" + "\n".join(found)


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
        assert (ROOT / package).is_dir() or package in NOT_YET, package
    assert any(True for _ in _modules("ha_client"))
    assert "analytics/" in ONLY_IN["darts"] and (ROOT / "analytics").is_dir()
