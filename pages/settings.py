"""Settings: which entity plays each role (meter, price, outdoor temperature, TV, team...)."""

from __future__ import annotations

import streamlit as st

from app.services import ServiceError, audit, get_services
from app.services import roles as role_service
from app.services.auth import can_write, current_user, write_disabled_reason

AUTOMATIC = "(automatic)"
NONE = "(none)"

st.title("Settings")
try:
    svc = get_services()
    found = role_service.role_map(svc)
    options = role_service.role_options(svc)
    names = role_service.friendly_names(svc)
except ServiceError as err:
    st.error(str(err))
    st.stop()

if not names and not any(options.values()):
    st.info(
        "The store is empty: no entities to give roles yet. Run `homeiq demo` or connect "
        "Home Assistant (HOMEIQ_HA_URL), then come back."
    )
    st.stop()
st.subheader("Entity roles")
st.caption(
    "The pages find their entities by role. HOMEIQ_ROLE_* settings win, then your choice here, "
    "then Home Assistant's Energy dashboard, then a guess from device class, unit and name."
)
for item in found.roles.values():
    for problem in item.problems:
        st.warning(problem)

# A role choice is a write (issue 13 "Who may write"): only a signed-in admin saves one.
reason = write_disabled_reason()
if reason:
    st.caption(reason)

with st.form("roles"):
    picks: dict[str, str] = {}
    for spec in role_service.ROLES:
        item = found.roles[spec.name]
        if item.entity_id:
            chosen = role_service.label(item.entity_id, names)
        elif item.fixed_value is not None:
            chosen = f"fixed {item.fixed_value:g} per kWh"
        else:
            chosen = "nothing"
        why = role_service.SOURCE_WORDS[item.source]
        current = AUTOMATIC
        if item.source == "user":
            current = item.entity_id or NONE
        choices = [AUTOMATIC, NONE, *options[spec.name]]
        if current not in choices:
            choices.append(current)
        left, right = st.columns([2, 3])
        left.markdown(f"**{spec.name}** · {spec.purpose}")
        left.caption(f"Now: {chosen} ({why}). Recognised by: {spec.recognised_by}.")
        picks[spec.name] = right.selectbox(
            spec.name,
            choices,
            index=choices.index(current),
            format_func=lambda eid: (
                eid if eid in (AUTOMATIC, NONE) else role_service.label(eid, names)
            ),
            key=f"role_{spec.name}",
            label_visibility="collapsed",
            disabled=item.source == "setting",
            help=f"Set by {spec.setting}" if item.source == "setting" else None,
        )
    saved = st.form_submit_button("Save", type="primary", disabled=reason is not None)

if saved:
    user = current_user()  # again: the session can end between drawing the form and Save
    if user is None or not can_write():
        st.error(write_disabled_reason() or "Sign in as an administrator to make changes.")
        st.stop()
    changed = []
    try:
        for spec in role_service.ROLES:
            item = found.roles[spec.name]
            pick = picks[spec.name]
            before = AUTOMATIC if item.source != "user" else (item.entity_id or NONE)
            if pick == before or item.source == "setting":
                continue
            if pick == AUTOMATIC:
                role_service.forget(svc, spec.name)
            else:
                role_service.choose(svc, spec.name, None if pick == NONE else pick)
            was = item.entity_id or (NONE if item.source == "user" else "nothing")
            audit.record_role_change(
                svc, actor=user.label, role=spec.name, before=before, after=pick,
                what=f"{spec.name}: was {was} ({role_service.SOURCE_WORDS[item.source]}), "
                f"now {pick}",
            )  # fmt: skip
            changed.append(spec.name)
    except ServiceError as err:
        st.error(str(err))
        st.stop()
    st.session_state["homeiq_roles_saved"] = changed
    st.rerun()

saved_roles = st.session_state.pop("homeiq_roles_saved", None)
if saved_roles is not None:
    st.success(f"Saved: {', '.join(saved_roles)}." if saved_roles else "Nothing changed.")
