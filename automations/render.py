"""Render a candidate as the Home Assistant automation config it would be (HA 2025.4 syntax)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from automations.candidate import EVERY_DAY, WEEKDAY_KEYS, Candidate, weekday_words

ACTIVATION_STATES: Final[tuple[str, ...]] = ("activated", "pressed", "fired")


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionRow:
    """Which HA action puts an entity of ``domain`` into ``state``, and its wording."""

    domain: str
    state: str
    action: str
    verb: str  # "Turn on", shown in the alias
    data: tuple[tuple[str, str], ...] = ()


ACTIONS: Final[tuple[ActionRow, ...]] = (
    *(
        ActionRow(domain=d, state=s, action=f"{d}.turn_{s}", verb=f"Turn {s}")
        for d in ("light", "switch", "fan", "input_boolean", "media_player")
        for s in ("on", "off")
    ),
    ActionRow(
        domain="media_player", state="playing", action="media_player.media_play", verb="Play"
    ),
    ActionRow(
        domain="media_player", state="paused", action="media_player.media_pause", verb="Pause"
    ),
    ActionRow(domain="cover", state="open", action="cover.open_cover", verb="Open"),
    ActionRow(domain="cover", state="closed", action="cover.close_cover", verb="Close"),
    # Unlocking is never suggested: a wrong guess opens the house.
    ActionRow(domain="lock", state="locked", action="lock.lock", verb="Lock"),
    ActionRow(domain="vacuum", state="cleaning", action="vacuum.start", verb="Start"),
    ActionRow(domain="vacuum", state="docked", action="vacuum.return_to_base", verb="Dock"),
    ActionRow(domain="scene", state="activated", action="scene.turn_on", verb="Activate"),
    ActionRow(domain="script", state="on", action="script.turn_on", verb="Run"),
    *(
        ActionRow(
            domain="climate",
            state=mode,
            action="climate.set_hvac_mode",
            verb=f"Set to {mode.replace('_', ' ')}",
            data=(("hvac_mode", mode),),
        )
        for mode in ("off", "heat", "cool", "heat_cool", "auto", "dry", "fan_only")
    ),
)
_ACTION_BY_KEY: Final[dict[tuple[str, str], ActionRow]] = {(r.domain, r.state): r for r in ACTIONS}
# Opening a cover by the clock alone can open a garage to the street (issue 13 blocks it).
NOT_BY_TIME: Final[frozenset[tuple[str, str]]] = frozenset({("cover", "open")})


def action_for(entity_id: str, state: str) -> ActionRow | None:
    """Return the action row that puts ``entity_id`` into ``state``, or None if there is none."""
    return _ACTION_BY_KEY.get((entity_id.split(".", 1)[0], state))


def can_render(candidate: Candidate) -> bool:
    """Return True when an automation can be written for ``candidate`` and is safe to suggest."""
    if action_for(candidate.entity_id, candidate.to_state) is None:
        return False
    by_clock = candidate.kind in ("time", "sun")
    return not (by_clock and (candidate.domain, candidate.to_state) in NOT_BY_TIME)


def display_name(entity_id: str, names: Mapping[str, str | None]) -> str:
    """Return the friendly name of ``entity_id``, else its object id in words."""
    name = names.get(entity_id)
    if name:
        return name
    return entity_id.split(".", 1)[-1].replace("_", " ").capitalize()


def _offset_text(minutes: int) -> str:
    sign = "-" if minutes < 0 else ""
    whole = abs(minutes)
    return f"{sign}{whole // 60:02d}:{whole % 60:02d}:00"


def _when_words(candidate: Candidate, names: Mapping[str, str | None]) -> str:
    if candidate.kind == "time":
        return f"at {candidate.local_time} {weekday_words(candidate.weekdays)}"
    if candidate.kind == "sun":
        offset = candidate.offset_minutes or 0
        event = candidate.event or "sunset"
        if offset == 0:
            rel = f"at {event}"
        else:
            rel = f"{abs(offset)} min {'before' if offset < 0 else 'after'} {event}"
        return f"{rel} {weekday_words(candidate.weekdays)}"
    trigger = display_name(candidate.trigger_entity_id or "", names)
    to = candidate.trigger_to_state
    if to in ACTIVATION_STATES:
        return f"when {trigger} is {to}"
    return f"when {trigger} turns {to}" if to in ("on", "off") else f"when {trigger} becomes {to}"


def alias(candidate: Candidate, names: Mapping[str, str | None]) -> str:
    """Return the plain-words title, e.g. "Turn on Hallway at 07:10 on weekdays"."""
    row = action_for(candidate.entity_id, candidate.to_state)
    verb = row.verb if row else f"Set to {candidate.to_state}"
    return f"{verb} {display_name(candidate.entity_id, names)} {_when_words(candidate, names)}"


def _triggers(candidate: Candidate) -> list[dict[str, Any]]:
    if candidate.kind == "time":
        return [{"trigger": "time", "at": f"{candidate.local_time}:00"}]
    if candidate.kind == "sun":
        return [
            {
                "trigger": "sun",
                "event": candidate.event,
                "offset": _offset_text(candidate.offset_minutes or 0),
            }
        ]
    trigger: dict[str, Any] = {"trigger": "state", "entity_id": candidate.trigger_entity_id}
    if candidate.trigger_to_state in ACTIVATION_STATES:
        # Buttons, events and scenes change to a new timestamp on each use; any change counts.
        trigger["not_from"] = ["unavailable", "unknown"]
    else:
        trigger["to"] = candidate.trigger_to_state
    return [trigger]


def automation_config(
    candidate: Candidate, names: Mapping[str, str | None], description: str
) -> dict[str, Any]:
    """Return the HA automation config (triggers/conditions/actions) of ``candidate``."""
    row = action_for(candidate.entity_id, candidate.to_state)
    if row is None:
        raise ValueError(
            f"no Home Assistant action puts {candidate.entity_id} into {candidate.to_state!r}"
        )
    conditions: list[dict[str, Any]] = []
    if candidate.kind in ("time", "sun") and tuple(sorted(candidate.weekdays)) != EVERY_DAY:
        conditions.append(
            {"condition": "time", "weekday": [WEEKDAY_KEYS[d] for d in sorted(candidate.weekdays)]}
        )
    action: dict[str, Any] = {"action": row.action, "target": {"entity_id": candidate.entity_id}}
    if row.data:
        action["data"] = dict(row.data)
    return {
        "alias": alias(candidate, names),
        "description": description,
        "triggers": _triggers(candidate),
        "conditions": conditions,
        "actions": [action],
        "mode": "single",
    }
