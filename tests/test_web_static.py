"""The browser app's files, checked without a browser: no markup built from strings (user data is
always set as text), nothing loaded from another host, every module and asset it names exists."""

from __future__ import annotations

import re
from typing import Any

import pytest

from devoplan.web import INDEX_HTML, STATIC_DIR, WEB_DIR, swagger_ui_ready

SCRIPTS = sorted((STATIC_DIR / "js").glob("*.js"))
MARKUP_SINKS = ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function")


def test_the_app_has_its_modules() -> None:
    names = {p.name for p in SCRIPTS}
    assert {"app.js", "api.js", "dom.js", "maps.js", "editor.js", "deltas.js", "proposals.js"} <= names


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_no_string_is_parsed_as_markup(script: object) -> None:
    text = script.read_text(encoding="utf-8")  # type: ignore[attr-defined]
    assert not [sink for sink in MARKUP_SINKS if sink in text]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_every_import_exists(script: object) -> None:
    text = script.read_text(encoding="utf-8")  # type: ignore[attr-defined]
    for target in re.findall(r'from "\./([^"]+)"', text):
        assert (STATIC_DIR / "js" / target).is_file(), target


def test_page_loads_nothing_from_another_host() -> None:
    html = INDEX_HTML.read_text(encoding="utf-8")
    refs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert refs and not [r for r in refs if re.match(r"^(?:[a-z]+:)?//", r)]
    local = [r for r in refs if not r.startswith(("#", "data:")) and "/vendor/" not in r]
    assert all((WEB_DIR / r).is_file() for r in local), local
    for script in SCRIPTS:
        assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", script.read_text(encoding="utf-8")), script.name


def test_labels_name_existing_controls() -> None:
    html = INDEX_HTML.read_text(encoding="utf-8")
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    assert not [f for f in re.findall(r'<label for="([^"]+)"', html) if f not in ids]
    assert len(ids) == len(re.findall(r'\bid="', html)), "duplicate ids"


def test_mount_serves_the_page_with_a_strict_policy() -> None:
    fastapi = pytest.importorskip("fastapi")
    testclient = pytest.importorskip("fastapi.testclient")
    from devoplan.web import mount

    app = fastapi.FastAPI()
    mount(app)
    client = testclient.TestClient(app)
    page = client.get("/")
    assert page.status_code == 200 and "devoplan workspace" in page.text
    assert client.head("/").status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    script = client.get("/static/js/app.js")
    assert script.status_code == 200 and script.headers["x-content-type-options"] == "nosniff"
    assert "javascript" in script.headers["content-type"]
    assert client.get("/static/../__init__.py").status_code == 404


def _docs_client() -> object:
    fastapi = pytest.importorskip("fastapi")
    testclient = pytest.importorskip("fastapi.testclient")
    from devoplan.web import mount, mount_docs

    app = fastapi.FastAPI(title="t", docs_url=None, redoc_url=None)
    mount_docs(app)
    mount(app)
    return testclient.TestClient(app)


@pytest.mark.skipif(not swagger_ui_ready(), reason="Swagger UI is not unpacked: run `make web`")
def test_api_docs_load_nothing_from_another_host() -> None:
    client: Any = _docs_client()
    page = client.get("/docs")
    assert page.status_code == 200 and "SwaggerUIBundle" in page.text
    refs = re.findall(r'(?:src|href)="([^"]+)"', page.text) + re.findall(r"url: '([^']+)'", page.text)
    assert len(refs) == 4 and not [r for r in refs if re.match(r"^(?:[a-z]+:)?//", r)], refs
    for ref in refs[:3]:
        asset = client.get(ref)
        assert asset.status_code == 200 and len(asset.content) > 500, ref
    # Only the page's own inline start-up script may run, by its hash; no CDN, no other inline script.
    policy = page.headers["content-security-policy"]
    assert re.search(r"script-src 'self' 'sha256-[A-Za-z0-9+/=]+';", policy) and "http" not in policy
    assert '"validatorUrl": null' in page.text  # Swagger UI would otherwise ask validator.swagger.io


def test_api_docs_without_swagger_ui_say_how_to_get_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import devoplan.web

    monkeypatch.setattr(devoplan.web, "SWAGGER_UI_FILES", ("no-such-file.js",))
    client: Any = _docs_client()
    page = client.get("/docs")
    assert page.status_code == 503 and "make web" in page.text and "/openapi.json" in page.text
