"""`homeiq hash-password`: print an argon2 hash for HOMEIQ_ADMIN_PASSWORD_HASH."""

from __future__ import annotations

from typing import Final

import typer

MIN_LENGTH: Final = 10


def register(app: typer.Typer) -> None:
    """Add ``hash-password`` to ``app``."""
    app.command("hash-password")(hash_password)


def hash_password() -> None:
    """Ask for the admin password twice (not echoed) and print its argon2 hash."""
    from argon2 import PasswordHasher

    password = typer.prompt("Admin password", hide_input=True, confirmation_prompt=True, err=True)
    if len(password) < MIN_LENGTH:
        typer.echo(f"hash-password: use at least {MIN_LENGTH} characters", err=True)
        raise typer.Exit(2)
    typer.echo(PasswordHasher().hash(password))
    typer.echo(
        "Put it in .env in single quotes: HOMEIQ_ADMIN_PASSWORD_HASH='<the line above>'",
        err=True,
    )
