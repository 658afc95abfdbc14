"""The workspace's browser app: static HTML, CSS and JavaScript that the API serves.

Nothing here runs Python at request time; this module only tells the API where the files are and
whether the map library (MapLibre GL JS, unpacked by ``make web`` from the npm registry, never a CDN)
is present. Without it the app still works with the hex map and the tables. The API docs at
``/docs`` are Swagger UI served from the same vendor folder (``swagger-ui-dist``), not a CDN.
"""

from __future__ import annotations

import base64
import hashlib
import re
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
SWAGGER_UI_FILES: tuple[str, ...] = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png",
                                     "SWAGGER-UI-LICENSE")
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def maplibre_ready() -> bool:
    """True when ``make web`` has unpacked MapLibre GL JS into ``static/vendor``."""
    return all((VENDOR_DIR / name).is_file() for name in MAPLIBRE_FILES)


def swagger_ui_ready() -> bool:
    """True when ``make web`` has unpacked Swagger UI (``swagger-ui-dist``) into ``static/vendor``."""
    return all((VENDOR_DIR / name).is_file() for name in SWAGGER_UI_FILES)


def _with_script_hashes(csp: str, html: str) -> str:
    """``csp`` with its script-src extended by the SHA-256 of each inline script in ``html``.

    Swagger UI is started by one small inline script that FastAPI writes; allowing exactly that
    script by its hash keeps the rule "no inline script" for everything else.
    """
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(html))
    return csp.replace("script-src 'self'", f"script-src 'self' {hashes}".rstrip())


def mount_docs(app: FastAPI) -> None:
    """Serve the interactive API docs at ``GET /docs`` with Swagger UI from ``static/vendor``.

    Create the app with ``docs_url=None`` and ``redoc_url=None`` (FastAPI's own pages load their
    scripts from a CDN). Without the vendor files the page says how to install them and where the
    OpenAPI schema is.
    """
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.responses import HTMLResponse

    def docs() -> HTMLResponse:
        if not swagger_ui_ready():
            return HTMLResponse(
                "<!DOCTYPE html><title>API docs</title><p>Swagger UI is not installed: run "
                "<code>make web</code>. The OpenAPI schema is at <a href=\"/openapi.json\">/openapi.json</a>.</p>",
                status_code=503, headers={"Content-Security-Policy": CSP})
        page = get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} – API docs",
            swagger_js_url="/static/vendor/swagger-ui-bundle.js", swagger_css_url="/static/vendor/swagger-ui.css",
            swagger_favicon_url="/static/vendor/favicon-32x32.png", oauth2_redirect_url=None,
            swagger_ui_parameters={"validatorUrl": None})
        html = bytes(page.body).decode()
        return HTMLResponse(html, headers={"Content-Security-Policy": _with_script_hashes(CSP, html),
                                           "X-Content-Type-Options": "nosniff"})

    app.add_api_route("/docs", docs, methods=["GET"], include_in_schema=False)


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
