"""`homeiq roles [--json]`: which entity plays each role, where that came from, the candidates."""

from __future__ import annotations

from typing import Annotated

import typer

from homeiq.commands.runtime import EXIT_FAILED, fail, load_cli_settings, open_cli_store


def register(app: typer.Typer) -> None:
    """Add ``roles`` to ``app``."""
    app.command("roles")(roles)


def roles(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Show each entity role: the entity chosen, why (energy prefs, guessed, setting, you)."""
    import orjson

    from analytics.role_resolver import SOURCE_WORDS
    from homeiq.roles import resolve_home_roles
    from storage.errors import StoreError
    from storage.metadata import MetadataStore

    settings = load_cli_settings()
    store = open_cli_store(settings)
    metadata = None
    try:
        if settings.metadata_path.is_file():
            metadata = MetadataStore(settings.metadata_path)
        found = resolve_home_roles(store, metadata, settings)
    except StoreError as err:
        raise fail(f"roles: reading the entities failed: {err}", EXIT_FAILED) from None
    finally:
        store.close()
        if metadata is not None:
            metadata.close()
    for item in found.roles.values():
        for problem in item.problems:
            typer.echo(f"roles: {problem}", err=True)
    if as_json:
        typer.echo(orjson.dumps(found.to_json()).decode())
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Entity roles")
    for column in ("role", "entity", "why", "other candidates"):
        table.add_column(column)
    for name, item in found.roles.items():
        shown = item.entity_id or (
            f"{item.fixed_value:g} per kWh" if item.fixed_value is not None else "—"
        )
        others = [eid for eid in item.candidates if eid != item.entity_id][:3]
        table.add_row(name, shown, SOURCE_WORDS[item.source], ", ".join(others) or "—")
    Console().print(table)
