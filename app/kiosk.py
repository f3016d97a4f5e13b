"""Kiosk entry (`homeiq kiosk`): one read-only wall page, no sidebar, no way to write.

Only pages/kiosk_wall.py is registered, and it reads through app.services.kiosk, which
imports nothing that writes (no export, simulator, worker or settings writer).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `streamlit run app/kiosk.py` puts only app/ on the path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

KIOSK_PAGES = (ROOT / "pages" / "kiosk_wall.py",)

st.set_page_config(
    page_title="HomeIQ kiosk",
    page_icon=":material/home:",
    layout="wide",
    initial_sidebar_state="collapsed",
)
st.markdown(
    "<style>[data-testid='stSidebar'],[data-testid='stSidebarCollapsedControl'],"
    "[data-testid='stToolbar']{display:none}"
    " [data-testid='stMetricValue']{font-size:3rem}</style>",
    unsafe_allow_html=True,
)
st.navigation(
    [st.Page(str(path), title="Kiosk", url_path="kiosk") for path in KIOSK_PAGES],
    position="hidden",
).run()
