"""Answering an API request once the edge let it through: the spec gate, then the route's handler.

The handler sees only the parameters its operation defines; the others are ignored, as Pipedrive ignores
them, and counted in the stats. A defined parameter with a bad value is the API's 400.
"""
from __future__ import annotations

import traceback

from ..app import App
from ..spec import BadParameter
from .paging import Listing
from .query import ApiError, Query
from .respond import Body, envelope, error
from .routes import PathParams, Route


def answer(app: App, route: Route, query: Query, params: PathParams) -> tuple[int, Body]:
    """(status, body) of an admitted request: 200 with the handler's body, or the error it ends in."""
    op = route.op
    try:
        accepted, ignored = op.admit(query)
        if ignored:
            app.stats.ignore(op.key, ignored)
        if app.options.time_filter == "ignored":     # option: a server that does not filter by time
            accepted.pop("updated_since", None)
            accepted.pop("updated_until", None)
        out = route.handler(app.store, accepted, params)
        return 200, envelope(op, out) if isinstance(out, Listing) else out
    except BadParameter as e:
        return 400, error(400, str(e))
    except ApiError as e:
        return e.status, error(e.status, e.message)
    except Exception as e:  # a sandbox bug: answer 500 JSON rather than drop the connection
        traceback.print_exc()
        return 500, error(500, f"Sandbox internal error: {type(e).__name__}")
