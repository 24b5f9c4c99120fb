"""The klimatspend web application (`klimatspend serve`): upload ledgers, review emissions, map accounts.

Server-rendered pages (Starlette + Jinja2, served by uvicorn) on the same DuckDB store as the CLI; see
docs/web.md. `create_app(WebConfig(db_path=...))` returns the ASGI application.
"""

from .app import create_app
from .routing import WebConfig

__all__ = ["WebConfig", "create_app"]
