"""`homeiq suggestions` (list, show, approve, reject, edit, deploy, rollback), `homeiq audit`.

Exit codes: 0 ok, 2 refused by validation or the suggestion's state, 3 Home Assistant
unreachable or rejecting the change.
"""

from __future__ import annotations

import getpass
import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from homeiq.automation.deployer import AutomationDeployer

EXIT_REFUSED = 2
EXIT_HA = 3
JSON_HELP = "Print JSON instead of a table."

suggestions_app = typer.Typer(
    help="Review, deploy and roll back suggested automations.", no_args_is_help=False
)


def register(app: typer.Typer) -> None:
    """Add ``suggestions`` and ``audit`` to ``app``."""
    app.add_typer(suggestions_app, name="suggestions")
    app.command("audit")(audit)


def _actor() -> str:
    return f"{getpass.getuser()} (command line)"


def _deployer() -> AutomationDeployer:
    from homeiq.automation.factory import deployer_from_settings
    from homeiq.commands.runtime import load_cli_settings
    from storage.errors import StoreError

    try:
        return deployer_from_settings(load_cli_settings())
    except (StoreError, OSError) as err:
        typer.echo(f"cannot open the metadata database: {err}", err=True)
        raise typer.Exit(1) from None


def _run(action: Any) -> Any:
    """Run ``action``; turn our errors into a message and the documented exit code."""
    from homeiq.automation.deployer import HAFailed, Refused

    try:
        return action()
    except Refused as err:
        typer.echo(str(err), err=True)
        raise typer.Exit(EXIT_REFUSED) from None
    except HAFailed as err:
        typer.echo(str(err), err=True)
        raise typer.Exit(EXIT_HA) from None


@suggestions_app.callback(invoke_without_command=True)
def list_suggestions(
    ctx: typer.Context,
    status: Annotated[
        str | None, typer.Option(help="Only this status (new, approved, ...).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """List suggestions, newest first."""
    if ctx.invoked_subcommand is not None:
        return
    from homeiq.automation.suggestion_config import status_of
    from storage.metadata import SuggestionStatus

    try:
        wanted = SuggestionStatus(status) if status is not None else None
    except ValueError:
        allowed = ", ".join(s.value for s in SuggestionStatus)
        typer.echo(f"--status {status!r}: use one of {allowed}", err=True)
        raise typer.Exit(EXIT_REFUSED) from None
    deployer = _deployer()
    rows = [
        {
            "id": s.id,
            "kind": s.kind,
            "title": s.title,
            "status": status_of(s),
            "ha_automation_id": s.ha_automation_id,
        }
        for s in deployer.meta.list_suggestions(status=wanted, limit=10_000)
    ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        typer.echo(f"{row['id']:>5}  {row['status']:<12} {row['kind']:<8} {row['title']}")
    if not rows:
        typer.echo("no suggestions" + (f" with status {status}" if status else ""))


@suggestions_app.command("show")
def show(
    suggestion_id: Annotated[int, typer.Argument(metavar="ID")],
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Show one suggestion: status, config, safety findings and deployed versions."""
    deployer = _deployer()
    shown = _run(lambda: deployer.show(suggestion_id))
    if as_json:
        typer.echo(json.dumps(shown, indent=2, default=str))
        return
    typer.echo(f"#{shown['id']} {shown['title']} [{shown['status']}]")
    typer.echo(f"HA automation id: {shown['ha_automation_id'] or '-'}")
    validation = shown["validation"]
    typer.echo(f"safety verdict: {validation['verdict']}")
    for finding in validation["findings"]:
        typer.echo(f"  {finding['severity']:<8} {finding['reason']} ({finding['detail']})")
    for version in shown["versions"]:
        typer.echo(f"  version {version['number']}: {version['status']} {version['created_at']}")


@suggestions_app.command("approve")
def approve(suggestion_id: Annotated[int, typer.Argument(metavar="ID")]) -> None:
    """Approve a suggestion so it can be deployed."""
    deployer = _deployer()
    _run(lambda: deployer.approve(suggestion_id, actor=_actor()))
    typer.echo(f"suggestion {suggestion_id} approved")


@suggestions_app.command("reject")
def reject(suggestion_id: Annotated[int, typer.Argument(metavar="ID")]) -> None:
    """Reject a suggestion."""
    deployer = _deployer()
    _run(lambda: deployer.reject(suggestion_id, actor=_actor()))
    typer.echo(f"suggestion {suggestion_id} rejected")


@suggestions_app.command("edit")
def edit(
    suggestion_id: Annotated[int, typer.Argument(metavar="ID")],
    time: Annotated[str | None, typer.Option(help="Clock time HH:MM.")] = None,
    weekdays: Annotated[str | None, typer.Option(help="Days 0-6 (0 = Monday), e.g. 0,1,2.")] = None,
    offset: Annotated[int | None, typer.Option(help="Sun offset in minutes.")] = None,
    delay: Annotated[int | None, typer.Option(help="Delay in seconds.")] = None,
    target: Annotated[str | None, typer.Option(help="Entity id to act on.")] = None,
) -> None:
    """Change a suggestion's time, weekdays, offset, delay or target before deploying."""
    from automations.edit import Edits

    try:
        days = [int(d) for d in weekdays.split(",")] if weekdays else None
    except ValueError:
        typer.echo(f"--weekdays {weekdays!r}: give numbers 0-6 separated by commas", err=True)
        raise typer.Exit(EXIT_REFUSED) from None
    edits = Edits(time=time, weekdays=days, offset_minutes=offset, delay_s=delay, target=target)
    deployer = _deployer()
    config = _run(lambda: deployer.edit(suggestion_id, edits, actor=_actor()))
    typer.echo(json.dumps(config, indent=2))


@suggestions_app.command("deploy")
def deploy(
    suggestion_id: Annotated[int, typer.Argument(metavar="ID")],
    yes: Annotated[bool, typer.Option("--yes", help="Confirm critical findings.")] = False,
) -> None:
    """Deploy an approved suggestion to Home Assistant and verify it is live."""
    deployer = _deployer()
    validation = _run(lambda: deployer.validation(suggestion_id))
    for finding in validation.findings:
        typer.echo(f"{finding.severity:<8} {finding.reason} ({finding.detail})", err=True)
    confirmed = yes
    if validation.verdict == "critical" and not yes:
        word = f"deploy {suggestion_id}"
        typed = typer.prompt(f"Critical findings above. Type '{word}' to deploy anyway", default="")
        confirmed = typed.strip() == word
        if not confirmed:
            typer.echo("not confirmed; nothing deployed", err=True)
            # The deployer refuses it too, and so audits the attempt; exit 2 either way.
            _run(lambda: deployer.deploy(suggestion_id, actor=_actor(), confirmed=False))
            raise typer.Exit(EXIT_REFUSED)
    outcome = _run(lambda: deployer.deploy(suggestion_id, actor=_actor(), confirmed=confirmed))
    typer.echo(outcome.message)


@suggestions_app.command("rollback")
def rollback(suggestion_id: Annotated[int, typer.Argument(metavar="ID")]) -> None:
    """Roll back the deployed version of a suggestion."""
    deployer = _deployer()
    outcome = _run(lambda: deployer.rollback(suggestion_id, actor=_actor()))
    for warning in outcome.warnings:
        typer.echo(f"warning: {warning}", err=True)
    typer.echo(outcome.message)


def audit(
    limit: Annotated[int, typer.Option(help="Newest N entries.")] = 200,
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Show the audit log: who approved, edited, deployed or rolled back what, and when."""
    from homeiq.automation.audit_log import AuditLog

    rows = AuditLog(_deployer().meta).entries(limit)
    if as_json:
        typer.echo(json.dumps([row.to_dict() for row in rows], indent=2, default=str))
        return
    for row in rows:
        target = f"#{row.suggestion_id} " if row.suggestion_id is not None else ""
        typer.echo(f"{row.when}  {row.who:<24} {row.action:<16} {target}{row.what}")
    if not rows:
        typer.echo("the audit log is empty")
