"""Admin workbench entry (`homeiq app`): sign-in gate, then navigation over app.pages.ADMIN_PAGES.

The gate runs before any page: with HOMEIQ_APP_AUTH ha or password a browser session without a
signed-in admin gets only the sign-in screen, whatever page URL it opened, so every page in
ADMIN_PAGES is covered without code of its own.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `streamlit run app/main.py` puts only app/ on the path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from app.auth.config import is_loopback  # noqa: E402
from app.pages import ADMIN_PAGES  # noqa: E402
from app.services import ServiceError, get_services  # noqa: E402
from app.services.auth import auth_config, current_user  # noqa: E402
from app.signin import account_box, open_banner, sign_in_screen  # noqa: E402
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


try:
    config = auth_config()
except ServiceError as err:  # invalid settings: nobody signs in, and nothing else is shown
    st.error(str(err))
    st.stop()
user = current_user()
signed_out = config.required and user is None
# A hidden default page holds the root URL; a page that were default would answer only at "/"
# and a bookmark of its own URL (/health) would say "Page not found". Pages are registered even
# when signed out, so a bookmarked page URL resolves; it is just not run.
front = st.Page(_front_door, title="Home", url_path="home", default=True, visibility="hidden")
navigation = st.navigation([front, *pages], position="hidden" if signed_out else "sidebar")
if signed_out:
    sign_in_screen(config)
    st.stop()
if not config.required and not is_loopback(st.get_option("server.address")):
    open_banner()
st.sidebar.title("HomeIQ Workbench")
if user is not None:
    account_box(user)
try:
    services = get_services()
except ServiceError as err:
    st.error(str(err))
    st.stop()
st.session_state["homeiq_range"] = time_range_picker(services.tz)
navigation.run()
