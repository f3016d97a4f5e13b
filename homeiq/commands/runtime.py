"""What every command does first: load settings, set up logging, open the stores.

The one place where the CLI turns a bad setting or an unopenable store into a message and
an exit code (2: fix a setting or a flag; 1: the store or a peer failed). Command modules
import from here, never from ``homeiq.cli``, so the CLI has no import cycle.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Final

import typer

if TYPE_CHECKING:
    from homeiq.settings import Settings
    from storage.metadata import MetadataStore
    from storage.protocol import TimeSeriesStore

EXIT_USAGE: Final[int] = 2  # a setting or a flag has to change
EXIT_FAILED: Final[int] = 1  # the store, a peer or the work itself failed

_log = logging.getLogger(__name__)


def fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    """Print ``message`` on stderr and return the Exit to raise with ``code``."""
    typer.echo(message, err=True)
    return typer.Exit(code)


def configure_logging(level: str) -> None:
    """Set up plain %-style logging on stderr at ``level``."""
    logging.basicConfig(
        level=getattr(logging, level, logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def load_cli_settings() -> Settings:
    """Return the validated settings with logging configured; exit 2 naming a bad setting."""
    from homeiq.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as err:
        raise fail(str(err)) from None
    configure_logging(settings.log_level)
    return settings


def open_cli_store(settings: Settings, backend: str | None = None) -> TimeSeriesStore:
    """Return the store of ``backend`` (default HOMEIQ_STORE); exit 1 saying what to check."""
    from homeiq.store_config import open_configured_store
    from storage.errors import StoreError

    name = backend or settings.store
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return open_configured_store(settings, name)
    except OSError as err:
        raise fail(
            f"cannot create HOMEIQ_DATA_DIR={settings.data_dir} ({err.strerror}); "
            "point it at a writable folder",
            EXIT_FAILED,
        ) from None
    except StoreError as err:
        raise fail(f"cannot open the {name} store: {err}", EXIT_FAILED) from None


def open_cli_metadata(settings: Settings) -> MetadataStore:
    """Return the metadata store migrated to head; exit 1 when it cannot open."""
    from storage.errors import StoreError
    from storage.metadata import MetadataStore

    try:
        return MetadataStore(settings.metadata_path)
    except StoreError as err:
        raise fail(f"cannot open the metadata database: {err}", EXIT_FAILED) from None


def open_optional_metadata(settings: Settings) -> MetadataStore | None:
    """Return the metadata store, or None (logged) when it cannot open: for advisory rows."""
    from storage.errors import StoreError
    from storage.metadata import MetadataStore
    from storage.metadata.schema import upgrade_in_child

    try:
        # Migrate in a child, so this long-running process never loads Alembic.
        upgrade_in_child(settings.metadata_path)
        return MetadataStore(settings.metadata_path)
    except StoreError as err:  # status and quarantine rows are advisory; ingest still runs
        _log.warning(
            "metadata store unavailable, running without status and quarantine rows: %s", err
        )
        return None
