"""From onsets to confirmed suggestions: detect on the fit days, replay on the held-out days.

A candidate becomes a suggestion only when its replay passes every gate below; the replay
numbers are the evidence shown to the person and the stored confidence.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

import polars as pl

from analytics.chance import benjamini_hochberg
from analytics.daily_routines import DailyRoutine, daily_routines
from analytics.follow_pairs import FollowPair, follow_pairs
from analytics.place import HomePlace
from automations.candidate import Candidate
from automations.coverage import ExistingAutomation, covered_by
from automations.render import can_render
from automations.replay import Replay, replay
from homeiq.analysis.window import Window, active_dates, days_frame

# The person must have done the same thing on at least 2 of the replayed firings ...
MIN_MATCHES: Final[int] = 2
# ... on at least 60 % of them: an automation wrong more often than that is a nuisance.
MIN_PRECISION: Final[float] = 0.6
# A firing matches when the person acts within 10 min of it; with normally spread timing
# fewer than half the firings can do so once the spread passes 15 min, so the 60 % replay
# bar could be met only by luck: such loose habits are not replayed.
MAX_SPREAD_MINUTES: Final[float] = 15.0
# False discovery rate over all replayed candidates of one run: with hundreds of entities
# some would pass a per-candidate test by luck; at most 5 % of suggestions may be such.
FDR: Final[float] = 0.05
# A follows pair that replay did not confirm is still shown as a pattern when it is this
# unlikely by chance: a home has hundreds of candidate pairs, so 1 % per pair is not enough.
FOLLOW_PATTERN_ALPHA: Final[float] = 1e-4

Progress = Callable[[float, str], None]


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """One detected pattern as a candidate, with its replay and the verdict."""

    candidate: Candidate
    replay: Replay | None
    suggested: bool
    reason: str  # why it is (not) suggested, in plain words
    marks: tuple[tuple[str, float], ...] = ()  # routines: (local day, minute) per kept onset
    delays_s: tuple[float, ...] = ()  # follows: delay of each answered trigger

    def evidence(self) -> dict[str, Any]:
        """Return fit and replay evidence as plain JSON values."""
        out: dict[str, Any] = dict(self.candidate.fit)
        if self.replay is not None:
            out |= self.replay.evidence()
        out["reason"] = self.reason
        return out


def _from_routine(r: DailyRoutine) -> tuple[Candidate, tuple[tuple[str, float], ...]]:
    fit: dict[str, Any] = {
        "days_seen": r.days_seen,
        "days_observed": r.days_observed,
        "spread_minutes": round(r.spread_minutes, 1),
        "clock_spread_minutes": round(r.clock_spread_minutes, 1),
        "chance_share": round(r.chance_share, 4),
        "lift": round((r.days_seen / r.days_observed) / max(r.chance_share, 1e-9), 2),
        "p_value": r.p_value,
        "mean_local_minute": round(r.minute, 1),
    }
    if r.sun_p_value is not None:
        fit["sun_vs_clock_p_value"] = r.sun_p_value
    if r.tied_with_clock:
        fit["tied_with_clock"] = True
    marks = tuple((d.isoformat(), round(m, 1)) for d, m in r.marks)
    if r.kind == "sun":
        cand = Candidate(
            kind="sun",
            entity_id=r.entity_id,
            to_state=r.state,
            weekdays=r.weekdays,
            event=r.event,
            offset_minutes=round(r.offset_minutes or 0.0),
            fit=fit,
        )
    else:
        cand = Candidate(
            kind="time",
            entity_id=r.entity_id,
            to_state=r.state,
            weekdays=r.weekdays,
            local_minute=round(r.minute) % 1440,
            fit=fit,
        )
    return cand, marks


def _from_pair(p: FollowPair) -> Candidate:
    return Candidate(
        kind="trigger",
        entity_id=p.entity_id,
        to_state=p.state,
        trigger_entity_id=p.trigger_entity_id,
        trigger_to_state=p.trigger_state,
        window_s=p.window_s,
        fit={
            "triggers": p.triggers,
            "already_in_state": p.already_in_state,
            "followed": p.followed,
            "days_seen": p.days_seen,
            "rate": round(p.rate, 3),
            "chance_rate": round(p.chance_rate, 4),
            "lift": round(p.lift, 2),
            "p_value": p.p_value,
            "median_delay_s": round(p.median_delay_s, 1),
            "p90_delay_s": round(p.p90_delay_s, 1),
        },
    )


def analyse(
    onsets: pl.DataFrame,
    window: Window,
    place: HomePlace,
    *,
    existing: Sequence[ExistingAutomation] = (),
    progress: Progress | None = None,
) -> tuple[list[Finding], Mapping[str, Any]]:
    """Return every finding of ``onsets`` over ``window`` and a summary of the days used."""
    step = progress or (lambda _f, _t: None)
    train_days = days_frame(active_dates(onsets, window.train_dates), place)
    hold_days = days_frame(active_dates(onsets, window.holdout_dates), place)
    summary = {
        "days": len(window.dates),
        "train_days": len(window.train_dates),
        "train_active_days": train_days.height,
        "holdout_days": len(window.holdout_dates),
        "holdout_active_days": hold_days.height,
        "sun_routines": place.has_location,
    }
    train_set = train_days.get_column("local_date").to_list()
    train = onsets.filter(pl.col("local_date").is_in(train_set))
    holdout = onsets.filter(pl.col("local_date").is_in(window.holdout_dates))
    manual = train.filter(pl.col("target") & ~pl.col("automated"))
    step(0.65, "finding clock and sun routines")
    found: list[tuple[Candidate, tuple[tuple[str, float], ...], tuple[float, ...], bool]] = [
        (*_from_routine(r), (), r.significant) for r in daily_routines(manual, train_days)
    ]
    step(0.75, "finding follows")
    found += [
        (_from_pair(p), (), p.delays_s, p.p_value <= FOLLOW_PATTERN_ALPHA)
        for p in follow_pairs(train, n_days=train_days.height)
    ]
    step(0.85, f"replaying {len(found)} candidates on the last {len(window.holdout_dates)} days")
    replays: list[Replay | None] = []
    for cand, _marks, _delays, _significant in found:
        ok = can_render(cand) and covered_by(cand, existing) is None and not _too_loose(cand)
        replays.append(replay(cand, holdout, hold_days, time_zone=place.time_zone) if ok else None)
    tested = [i for i, r in enumerate(replays) if r is not None and r.fired > 0]
    passed = benjamini_hochberg([replays[i].p_value for i in tested], FDR)  # type: ignore[union-attr]
    discovered = {i for i, ok in zip(tested, passed, strict=True) if ok}
    findings = [
        Finding(
            candidate=cand,
            replay=replays[i],
            suggested=(reason := _verdict(cand, replays[i], i in discovered, existing)) == "",
            reason=reason or "suggested",
            marks=marks,
            delays_s=delays,
        )
        for i, (cand, marks, delays, _significant) in enumerate(found)
    ]
    findings = _settle_ties(findings)
    # Screened-in candidates that neither replay confirmed nor the strict test supports are
    # not patterns: they were only worth checking.
    kept = [f for f, row in zip(findings, found, strict=True) if f.suggested or row[3]]
    return kept, summary


def _settle_ties(findings: list[Finding]) -> list[Finding]:
    # A sun routine tied with its clock twin is kept only when the clock one failed replay.
    clocks = {
        (f.candidate.entity_id, f.candidate.to_state)
        for f in findings
        if f.suggested and f.candidate.kind == "time"
    }
    out = []
    for f in findings:
        key = (f.candidate.entity_id, f.candidate.to_state)
        if f.suggested and f.candidate.fit.get("tied_with_clock") and key in clocks:
            f = replace(f, suggested=False, reason="the clock routine explains it as well")
        out.append(f)
    return out


def _too_loose(cand: Candidate) -> bool:
    spread = cand.fit.get("spread_minutes")
    return isinstance(spread, int | float) and spread > MAX_SPREAD_MINUTES


def _verdict(
    cand: Candidate, rep: Replay | None, discovered: bool, existing: Sequence[ExistingAutomation]
) -> str:
    if not can_render(cand):
        return f"no safe Home Assistant action puts {cand.entity_id} into {cand.to_state!r}"
    automation = covered_by(cand, existing)
    if automation is not None:
        name = automation.alias or automation.automation_id
        return f"already done by the Home Assistant automation {name!r}"
    if _too_loose(cand):
        spread = cand.fit["spread_minutes"]
        return f"timing varies by ±{spread:.0f} min: too loose to match within 10 min"
    if rep is None or rep.fired == 0:
        return "it would not have fired on any of the held-out days"
    if rep.matched < MIN_MATCHES:
        return f"matched the person only {rep.matched} time(s) in replay (needs {MIN_MATCHES})"
    if rep.precision < MIN_PRECISION:
        return f"replay precision {rep.precision:.0%} is below {MIN_PRECISION:.0%}"
    if not discovered:
        return "replay does not beat chance clearly enough (false discovery rate 5 %)"
    return ""
