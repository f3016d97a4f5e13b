"""CLI tests run `homeiq` in-process (typer's CliRunner) against a data dir in tmp_path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from homeiq.cli import app


class Homeiq:
    """Runs `homeiq ...` with HOMEIQ_DATA_DIR pointing at one folder."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.runner = CliRunner()

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> Result:
        """Return the result of running the CLI with ``args``."""
        return self.runner.invoke(
            app,
            list(args),
            env={"HOMEIQ_DATA_DIR": str(self.data_dir), "HOMEIQ_STORE": "embedded", **(env or {})},
            catch_exceptions=False,
        )


@pytest.fixture
def homeiq(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Homeiq:
    monkeypatch.chdir(tmp_path)  # no stray .env from the checkout
    return Homeiq(tmp_path / "data")


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Homeiq]:
    """A data dir filled once by `homeiq demo --days 7 --entities 50` (shared, read only)."""
    root = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        cli = Homeiq(root / "data")
        result = cli("demo", "--days", "7", "--entities", "50")
        assert result.exit_code == 0, result.output
        yield cli
