"""Services the pages call: the only way pages reach the store, metadata and analytics.

``get_services()`` is the one ``st.cache_resource`` factory; every page calls it, so each page
also runs on its own (AppTest, a bookmark straight to a page).
"""

from __future__ import annotations

import streamlit as st

from app.services.context import ServiceError, Services, build_services
from homeiq.settings import SettingsError, load_settings

__all__ = ["ServiceError", "Services", "get_services"]


@st.cache_resource(show_spinner=False)
def get_services() -> Services:
    """Return this server's Services, built once from HOMEIQ_* settings."""
    try:
        settings = load_settings()
    except SettingsError as err:
        raise ServiceError(str(err)) from None
    return build_services(settings)
