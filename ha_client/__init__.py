"""Home Assistant client: WebSocket and REST APIs, auth, commands and the errors they raise.

Imports nothing of ours, so the worker and the app can both use it. Modules: ``connection``
(long-lived WS session), ``client`` (one-shot WS commands), ``commands`` (typed commands),
``rest`` (REST requests), ``history``, ``frames``, ``urls``, ``errors``.
"""
