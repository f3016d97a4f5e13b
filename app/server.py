"""The admin workbench's server (`homeiq app` runs it): Streamlit serving app/main.py, plus sign-in.

``st.App`` lets us add what a Streamlit script cannot do: routes that set and clear the
HttpOnly session cookie (Sign in with Home Assistant's callback, the password sign-in's
ticket, sign-out), and a middleware that refuses Streamlit's data-bearing endpoints (media and
downloads, uploads, metrics, the agent API) to a browser that is not signed in.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `streamlit run app/server.py` puts only app/ on the path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402

from app.auth.config import AuthConfig  # noqa: E402
from app.auth.routes import SignedOutGuard, auth_routes  # noqa: E402
from homeiq.settings import SettingsError, load_settings  # noqa: E402

try:
    _config = AuthConfig.from_settings(load_settings())
except SettingsError as _err:
    sys.exit(str(_err))

app = st.App(
    ROOT / "app" / "main.py",
    routes=auth_routes(_config),
    middleware=[Middleware(SignedOutGuard, config=_config)],
)
