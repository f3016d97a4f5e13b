"""``cached``: ``st.cache_data`` for service functions that take the ``Services`` first.

Streamlit cannot hash ``Services`` (it holds open stores), so the cache keys it by
``Services.key`` (backend and data folder); every other argument is hashed as usual. A
service function then reads like a function: ``energy_report(svc, rng)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar, cast

import streamlit as st

from app.services.context import Services

P = ParamSpec("P")
R = TypeVar("R")


def _services_key(svc: Services) -> str:
    return svc.key


def cached(
    *, ttl: int, show_spinner: bool | str = False
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Return a decorator caching a service function for ``ttl`` s, keyed by ``Services.key``."""

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        wrapped = st.cache_data(
            ttl=ttl, show_spinner=show_spinner, hash_funcs={Services: _services_key}
        )(func)
        return cast(Callable[P, R], wrapped)

    return decorate
