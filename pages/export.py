"""Export: the CLI's filters, written to a file with a progress bar, then downloaded."""

from __future__ import annotations

import streamlit as st

from app.services import ServiceError, audit, explore, get_services
from app.services import export as exporter
from app.services.auth import current_user
from app.widgets import current_range, fmt_bytes

st.title("Export")
try:
    svc = get_services()
    rng = current_range(svc.tz)
    choices = explore.entity_choices(svc)
except ServiceError as err:
    st.error(str(err))
    st.stop()
if choices.height == 0:
    st.info("The store is empty: nothing to export yet. Run `homeiq demo` or connect HA.")
    st.stop()

st.caption(f"{rng.label} (change it in the sidebar) · times are written as ISO-8601 UTC")
left, middle, right = st.columns(3)
domains = left.multiselect("Domains", sorted(set(choices["domain"])), placeholder="All")
areas = middle.multiselect("Areas", sorted(set(choices["area"])), placeholder="All")
labels = dict(zip(choices["entity_id"], choices["label"], strict=True))
entities = right.multiselect(
    "Entities", list(labels), format_func=lambda eid: labels[eid], placeholder="All"
)
shape, fmt_col = st.columns(2)
mode = shape.radio("Rows", ["Raw events", "Bucketed"], horizontal=True)
fmt = fmt_col.radio("Format", list(exporter.FORMATS), horizontal=True)
bucket = agg = None
if mode == "Bucketed":
    b_col, a_col = st.columns(2)
    bucket = b_col.selectbox("Bucket", ["1m", "5m", "15m", "1h", "1d"], index=3)
    agg = a_col.selectbox("Aggregate", list(exporter.AGGREGATES))
chosen = exporter.select_entities(choices, entities=entities, domains=domains, areas=areas)
st.write(f"{len(chosen):,} entities match.")
if chosen:
    try:
        preview = exporter.preview_export(svc, entities=chosen, rng=rng, bucket=bucket, agg=agg)
    except ServiceError as err:
        st.error(str(err))
        st.stop()
    st.metric("Rows (estimate)", f"≈ {preview.rows:,}")
    st.caption(
        f"About {fmt_bytes(preview.csv_bytes)} as CSV; Parquet is usually several times smaller."
    )
    if preview.sample.height:
        st.dataframe(preview.sample, hide_index=True, height=240)

if st.button("Prepare export", type="primary", disabled=not chosen):
    bar = st.progress(0.0, text="Exporting…")

    def progress(rows: int, done: float) -> None:
        bar.progress(min(1.0, done), text=f"Exporting… {rows:,} rows")

    try:
        written = exporter.write_export(
            svc, entities=chosen, rng=rng, fmt=fmt, bucket=bucket, agg=agg, progress=progress
        )
    except ServiceError as err:
        st.error(str(err))
        st.stop()
    bar.progress(1.0, text="Done")
    st.session_state["homeiq_export"] = written
    # Exports are reads (allowed on loopback without sign-in), but the audit log says who.
    user = current_user()
    if not (entities or domains or areas):
        scope = "all entities"
    elif len(chosen) <= 5:
        scope = f"entities {', '.join(chosen)}"
    else:
        scope = f"{len(chosen)} entities"
    try:
        audit.record_export(
            svc, actor=user.label if user is not None else None, rows=written.rows,
            scope=f"{scope} ({rng.label})", fmt=fmt, path=str(written.path),
        )  # fmt: skip
    except ServiceError as err:
        st.warning(str(err))

result = st.session_state.get("homeiq_export")
if result is not None and result.path.is_file():
    st.success(f"{result.rows:,} rows, {fmt_bytes(result.bytes)}: {result.path.name}")
    if result.downloadable:
        with result.path.open("rb") as handle:
            st.download_button(
                "Download", handle, file_name=result.path.name, mime=result.mime, type="primary"
            )
    else:
        st.info(f"Too large for the browser; the file is on the server at {result.path}.")
