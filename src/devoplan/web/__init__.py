"""The workspace's browser app: static HTML, CSS and JavaScript that the API serves.

Nothing here runs Python at request time; this module only tells the API where the files are and
whether the map library (MapLibre GL JS, unpacked by ``make web`` from the npm registry, never a CDN)
is present. Without it the app still works with the hex map and the tables.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.responses import Response

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
INDEX_HTML = WEB_DIR / "index.html"
VENDOR_DIR = STATIC_DIR / "vendor"
# MapLibre draws with WebGL and runs its worker from a blob: URL; everything else is same-origin.
CSP = (
    "default-src 'self'; script-src 'self'; worker-src 'self' blob:; child-src blob:; "
    "img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
MAPLIBRE_FILES: tuple[str, ...] = ("maplibre-gl.js", "maplibre-gl.css", "MAPLIBRE-LICENSE.txt")


def maplibre_ready() -> bool:
    """True when ``make web`` has unpacked MapLibre GL JS into ``static/vendor``."""
    return all((VENDOR_DIR / name).is_file() for name in MAPLIBRE_FILES)


def mount(app: FastAPI) -> None:
    """Serve the app on ``app``: ``GET /`` answers index.html, ``/static/...`` the static files.

    Call it after the API's routers so ``/api/...`` is matched first. Responses carry a strict
    Content-Security-Policy: scripts, styles and data only from this server (no CDN, no inline
    script), so even a user string that slipped into markup could not run; ``nosniff`` so a file is
    only ever run as the type it is served as; ``no-cache`` so an upgraded server's files are
    revalidated (by their ETag) rather than run stale.
    """
    from fastapi.responses import FileResponse
    from fastapi.staticfiles import StaticFiles

    headers = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
               "Cache-Control": "no-cache"}

    class Static(StaticFiles):
        def file_response(self, *args: Any, **kwargs: Any) -> Response:
            response = super().file_response(*args, **kwargs)
            response.headers.update(headers)
            return response

    def index() -> FileResponse:
        return FileResponse(INDEX_HTML, media_type="text/html", headers=headers)

    app.add_api_route("/", index, methods=["GET", "HEAD"], include_in_schema=False)
    app.mount("/static", Static(directory=STATIC_DIR), name="static")
