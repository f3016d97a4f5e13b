"""Blocking store calls the worker can walk away from: each runs in its own daemon thread.

The spool writer and store maintenance both call a store that may hang on a dead server;
a hung call must not hold the process past its shutdown grace.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import Any, TypeVar

_T = TypeVar("_T")


def in_daemon_thread(
    func: Callable[..., _T], *args: Any, name: str = "store-call"
) -> asyncio.Future[_T]:
    """Return a future of ``func(*args)`` run in a new daemon thread.

    Not the default executor: asyncio.run joins its threads on exit and the interpreter
    joins executor threads at shutdown, so a store write hanging on a dead server would
    hold SIGTERM past its 5 s. A daemon thread is abandoned at exit instead; the write it
    was doing is not confirmed, so its events stay in the spool.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[_T] = loop.create_future()

    def settle(result: _T | None, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def target() -> None:
        try:
            result: _T | None = func(*args)
            error: BaseException | None = None
        except BaseException as err:
            result, error = None, err
        # The loop may be closed by now (the worker exited while the store hung).
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=target, name=name, daemon=True).start()
    return future
