"""A one-card Streamlit page for the browser test: the deploy controls of suggestion 1.

Stands in for the Suggestions page until its card embeds ``deploy_controls``; the actor is
fixed because sign-in is tested on its own.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from app.deploy_panel import deploy_controls  # noqa: E402
from app.services import get_services  # noqa: E402

st.title("Suggestion 1")
deploy_controls(get_services(), 1, actor="browser tester")
