"""Admin workbench entry (`homeiq app`): navigation over the pages in app.pages.ADMIN_PAGES."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `streamlit run app/main.py` puts only app/ on the path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from app.pages import ADMIN_PAGES  # noqa: E402
from app.services import ServiceError, get_services  # noqa: E402
from app.widgets import time_range_picker  # noqa: E402

st.set_page_config(page_title="HomeIQ Workbench", page_icon=":material/home:", layout="wide")

pages = [
    st.Page(str(spec.path), title=spec.title, icon=spec.icon, url_path=spec.url_path)
    for spec in ADMIN_PAGES
    if spec.path.is_file()
]


def _front_door() -> None:
    """Send the root URL to the first page, so every page keeps its own URL (/health...)."""
    st.switch_page(pages[0])


# A hidden default page holds the root URL; a page that were default would answer only at "/"
# and a bookmark of its own URL (/health) would say "Page not found".
front = st.Page(_front_door, title="Home", url_path="home", default=True, visibility="hidden")
navigation = st.navigation([front, *pages])
st.sidebar.title("HomeIQ Workbench")
try:
    services = get_services()
except ServiceError as err:
    st.error(str(err))
    st.stop()
st.session_state["homeiq_range"] = time_range_picker(services.tz)
navigation.run()
