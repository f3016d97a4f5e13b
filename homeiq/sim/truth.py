"""Ground truth of a simulated home: what was planted, for analytics to be scored against."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Final

from homeiq.sim import switching
from homeiq.sim.catalog import EntitySpec
from homeiq.sim.generators import is_missing_day
from homeiq.sim.signals import meter_reset_minute
from homeiq.sim.world import (
    HEATING_BASE_C,
    HEATING_SLOPE_W_PER_C,
    LATITUDE,
    LONGITUDE,
    TEAM_NAME,
    day_start,
    game_on,
    morning_light_minute,
    porch_light_minute,
    weekday,
)

GROUND_TRUTH_FILE: Final[str] = "sim_ground_truth.json"


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _at(day: int, minute: float) -> datetime:
    # the same float-to-µs steps as the generators, so times match events exactly
    return day_start(day) + timedelta(microseconds=int(minute * 60.0 * 1e6))


def ground_truth(
    *, seed: int, specs: list[EntitySpec], start: datetime, end: datetime, days: range
) -> dict[str, Any]:
    """Return the planted routines, heating law, games, meter resets and silent days."""
    ids = {spec.entity_id for spec in specs}

    def inside(moment: datetime) -> bool:
        return start <= moment < end

    mornings = [
        _iso(_at(day, minute))
        for day in days
        if weekday(day) < 5
        and (minute := morning_light_minute(seed, day)) is not None
        and inside(_at(day, minute))
    ]
    porch = [
        _iso(_at(day, porch_light_minute(seed, day)))
        for day in days
        if inside(_at(day, porch_light_minute(seed, day)))
    ]
    games = []
    for day in days:
        game = game_on(seed, day)
        if game is not None and inside(game.kickoff):
            spans = switching.tv(seed, "media_player.living_room_tv", day)
            kick_s = (game.kickoff - day_start(day)).total_seconds()
            end_s = (game.end - day_start(day)).total_seconds()
            watched = bool(((spans[:, 0] <= kick_s) & (spans[:, 1] >= end_s)).any())
            games.append(
                {
                    "kickoff": _iso(game.kickoff),
                    "end": _iso(game.end),
                    "opponent": game.opponent,
                    "tv_on": watched,
                }
            )
    resets = [
        {"entity_id": spec.entity_id, "time": _iso(_at(day, minute))}
        for spec in specs
        if spec.state_class == "total_increasing"
        for day in days
        if (minute := meter_reset_minute(seed, spec.entity_id, day)) is not None
        and inside(_at(day, minute))
    ]
    missing = [
        {"entity_id": spec.entity_id, "day": day_start(day).date().isoformat()}
        for spec in specs
        if spec.missing_days
        for day in days
        if is_missing_day(seed, spec, day)
    ]
    routines: list[dict[str, Any]] = [
        {
            "kind": "time_of_day",
            "entity_id": "light.bedroom",
            "state": "on",
            "time": "06:45",
            "weekdays": [0, 1, 2, 3, 4],
            "tolerance_minutes": 6,
            "occurrences": mornings,
        },
        {
            "kind": "follows",
            "entity_id": "light.hallway",
            "state": "on",
            "trigger_entity_id": "binary_sensor.hallway_motion",
            "trigger_state": "on",
            "max_delay_s": switching.FOLLOW_DELAY_S[1],
            "answer_rate": switching.FOLLOW_RATE,
        },
        {
            "kind": "sunset",
            "entity_id": "light.porch",
            "state": "on",
            "offset_minutes": 0,
            "tolerance_minutes": 9,
            "occurrences": porch,
        },
        {
            "kind": "during_game",
            "entity_id": "media_player.living_room_tv",
            "state": "playing",
            "team_entity_id": "sensor.home_team",
            "games_watched": sum(1 for game in games if game["tv_on"]),
            "games": len(games),
        },
    ]
    return {
        "generator": "homeiq.sim",
        "seed": seed,
        "start": _iso(start),
        "end": _iso(end),
        "timezone": "UTC",
        "location": {"latitude": LATITUDE, "longitude": LONGITUDE},
        "entities": len(specs),
        "routines": [r for r in routines if r["entity_id"] in ids],
        "heating": {
            "power_entity_id": "sensor.heating_power",
            "energy_entity_id": "sensor.heating_energy",
            "temperature_entity_id": "sensor.outdoor_temperature",
            "base_c": HEATING_BASE_C,
            "slope_w_per_c": HEATING_SLOPE_W_PER_C,
            "kwh_per_hdd": HEATING_SLOPE_W_PER_C * 24 / 1000,
        },
        "team": {"entity_id": "sensor.home_team", "team_name": TEAM_NAME, "games": games},
        "meter_resets": resets,
        "missing_days": missing,
    }
