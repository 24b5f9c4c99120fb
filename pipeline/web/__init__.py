"""The klimatspend web application (`klimatspend serve`): upload ledgers, review emissions, map accounts.

Server-rendered pages (Starlette + Jinja2, served by uvicorn) on the same DuckDB store as the CLI; see
docs/web.md. `create_app(WebConfig(db_path=...))` returns the ASGI application. Both names are imported on
first use, so that the child process reading an upload (pipeline.web.upload_check) loads no web framework.
"""

from __future__ import annotations

__all__ = ["WebConfig", "create_app"]


def __getattr__(name: str):
    if name == "create_app":
        from .app import create_app

        return create_app
    if name == "WebConfig":
        from .routing import WebConfig

        return WebConfig
    raise AttributeError(f"module 'pipeline.web' has no attribute {name!r}")
