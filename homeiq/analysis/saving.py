"""Turn findings into stored patterns and suggestions: same suggestion across runs, updated."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import yaml

from automations.identity import identity_key, same_parameters
from automations.render import alias, automation_config, display_name
from homeiq.analysis.pipeline import Finding
from storage.metadata import PatternWrite, Suggestion, SuggestionWrite

REJECTED: Final[str] = "rejected"
# Statuses whose automation config the person has taken on: a run refreshes their evidence
# but never rewrites what they approved or deployed.
KEEP_CONFIG: Final[frozenset[str]] = frozenset({"approved", "deployed", "rolled_back", "failed"})


def describe(finding: Finding, names: Mapping[str, str | None]) -> str:
    """Return the plain-words description: what was seen and what the replay showed."""
    cand, rep = finding.candidate, finding.replay
    fit = cand.fit
    if cand.kind == "trigger":
        trigger = display_name(cand.trigger_entity_id or "", names)
        seen = (
            f"After {trigger} became {cand.trigger_to_state}, you did this {fit['followed']} of "
            f"{fit['triggers']} times (median {fit['median_delay_s']:.0f} s later; "
            f"{fit['lift']:.0f}x what chance gives)."
        )
    else:
        seen = (
            f"Seen on {fit['days_seen']} of {fit['days_observed']} days "
            f"(spread ±{fit['spread_minutes']:.0f} min)."
        )
    if rep is None:
        return seen
    return (
        f"{seen} Replayed on the last {rep.days} active days it would have fired {rep.fired} "
        f"times; {rep.matched} times you did the same within {rep.match_s / 60:.0f} min "
        f"(precision {rep.precision:.0%}), covering {rep.covered} of your {rep.actions} "
        f"such actions (recall {rep.recall:.0%})."
    )


def pattern_rows(findings: Sequence[Finding]) -> list[PatternWrite]:
    """Return one pattern row per finding, with what the Patterns page draws."""
    rows = []
    for f in findings:
        evidence: dict[str, Any] = f.evidence()
        if f.marks:
            evidence["marks"] = [list(m) for m in f.marks]
        if f.delays_s:
            evidence["delays_s"] = list(f.delays_s)
        rows.append(
            PatternWrite(
                kind=f.candidate.kind,
                entity_id=f.candidate.entity_id,
                to_state=f.candidate.to_state,
                trigger_entity_id=f.candidate.trigger_entity_id,
                params=f.candidate.parameters(),
                evidence=evidence,
                suggested=f.suggested,
            )
        )
    return rows


def _match(
    kind: str, params: Mapping[str, Any], stored: Sequence[Suggestion], used: set[int]
) -> Suggestion | None:
    for old in stored:
        if old.id not in used and same_parameters(kind, old.params, params):
            return old
    return None


def suggestion_writes(
    findings: Sequence[Finding],
    names: Mapping[str, str | None],
    stored: Sequence[Suggestion],
) -> tuple[list[SuggestionWrite], list[str]]:
    """Return what to insert or refresh, and notes on suggestions left alone (rejected ones).

    ``stored`` are earlier suggestions with the same identity keys; a suggestion within
    tolerance of a stored one is that one again.
    """
    writes: list[SuggestionWrite] = []
    notes: list[str] = []
    used: set[int] = set()
    for f in findings:
        if not f.suggested or f.replay is None:
            continue
        cand = f.candidate
        params = cand.parameters()
        key = identity_key(cand.kind, cand.entity_id, cand.to_state, params)
        same_key = [s for s in stored if s.identity == key]
        old = _match(cand.kind, params, same_key, used)
        if old is not None:
            used.add(old.id)
            if old.status == REJECTED:
                notes.append(
                    f"{alias(cand, names)}: rejected before and unchanged, not shown again"
                )
                continue
        description = describe(f, names)
        config = automation_config(cand, names, description)
        writes.append(
            SuggestionWrite(
                existing_id=old.id if old is not None else None,
                identity=key,
                kind=cand.kind,
                title=str(config["alias"]),
                body=yaml.safe_dump(config, sort_keys=False, allow_unicode=True),
                entity_id=cand.entity_id,
                to_state=cand.to_state,
                trigger_entity_id=cand.trigger_entity_id,
                trigger_to_state=cand.trigger_to_state,
                params=params,
                automation=config,
                evidence=f.evidence(),
                confidence=round(f.replay.confidence, 4),
                refresh_only=old is not None and old.status in KEEP_CONFIG,
            )
        )
    return writes, notes
