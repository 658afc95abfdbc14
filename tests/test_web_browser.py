"""The workspace in a real headless Chromium (Debian's ``chromium``, driven by Playwright).

One story, as people would live it: an analyst logs in, creates a scenario from today's ICBs, moves
districts by clicking the map and sees the what-if panel change, undoes; a council user paints a
district on the hex map into a draft proposal and sends it with a reason; a government user gets the
notification, sees the proposal's effect, accepts it, and downloads the plan, which has the move.
Names and reasons typed by users carry markup, which must show as text.

Set ``DEVOPLAN_WORKSPACE_SHOTS=docs/img`` to (re)write the screenshots used in docs/workspace-ui.md.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devoplan.geography.loader import load_geography
from devoplan.testing.browser import CHROMIUM_ARGS, find_chromium, serving
from devoplan.web import CSP, maplibre_ready, swagger_ui_ready

playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright is a dev dependency (make installs it)")
expect = playwright_api.expect
expect.set_options(timeout=20_000)
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(find_chromium() is None, reason="Chromium not found: `make test` installs Debian's chromium "
                                                       "(apt-get install -y chromium) when it runs as root"),
]

WIGHT, NEW_FOREST, DORSET, TEST_VALLEY = "E06000046", "E07000091", "E06000059", "E07000093"
NAME = "ICBs <b>2024</b> & friends"
REASON = "Ferries run to Portsmouth <i>and</i> Southampton"
PASSWORDS = {"ana": "analyst-pass-1", "carl": "council-pass-1", "gwen": "government-pass-1", "adam": "admin-pass-1",
             "dora": "dora-pass-123"}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from devoplan.api.app import create_app
    from devoplan.api.routes.accounts import create_user
    from devoplan.store.db import open_database

    database = open_database(f"sqlite:///{tmp_path_factory.mktemp('ws') / 'workspace.db'}")
    geography = load_geography()
    app = create_app(database, geography)
    with database.session() as db:
        create_user(db, geography, "ana", PASSWORDS["ana"], "analyst", None)
        create_user(db, geography, "carl", PASSWORDS["carl"], "area", WIGHT)
        create_user(db, geography, "gwen", PASSWORDS["gwen"], "analyst", None)
        create_user(db, geography, "adam", PASSWORDS["adam"], "admin", None)
        db.commit()
    with serving(app) as url:
        yield url
    database.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=find_chromium(), args=list(CHROMIUM_ARGS))
        yield chromium
        chromium.close()


@pytest.fixture(params=[False])
def page(browser: Any, site: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A new page (``request.param``: with a touch screen) that fails the test on any console error."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True,
                                  has_touch=request.param)
    page = context.new_page()
    problems: list[str] = []
    context.on("weberror", lambda e: problems.append(f"page error: {e.error}"))  # every tab of the context
    expected = ("status of 401", "status of 409", "status of 422")  # refusals the app shows as messages
    context.on("console", lambda m: problems.append(m.text)
            if m.type == "error" and not any(e in m.text for e in expected) else None)
    page.set_default_timeout(20_000)
    page.goto(site)
    yield page
    context.close()
    assert not problems, problems


def shot(page: Any, name: str, full: bool = False) -> None:
    folder = os.environ.get("DEVOPLAN_WORKSPACE_SHOTS")
    if folder:
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(Path(folder) / f"workspace-{name}.png"), full_page=full)


def log_in(page: Any, name: str) -> None:
    page.fill("#login-name", name)
    page.fill("#login-password", PASSWORDS[name])
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#scenarios-view:not([hidden])")


def log_out(page: Any) -> None:
    page.click("#logout")
    page.wait_for_selector("#login-view:not([hidden])")


def create_scenario(page: Any, name: str, source: str, **fields: str) -> None:
    """Fill the new-scenario form (``source``: layer, upload, default or optimise) and submit it."""
    page.fill("#create-name", name)
    page.check(f"input[name=source][value={source}]")
    for selector, value in fields.items():
        if selector == "layer":
            page.select_option("#create-layer", value)
        else:
            page.fill(f"#create-{selector}", value)
    page.click("#create-form button[type=submit]")


def wait_editor(page: Any) -> None:
    page.wait_for_selector("#editor-view[data-loaded]:not([hidden])")


def open_first_scenario(page: Any) -> None:
    page.locator("#scenario-table tbody a").first.click()
    wait_editor(page)


def area_of(page: Any, district: str) -> str:
    """The area of a district in the scenario the page shows (read through the app's own API)."""
    sid = page.evaluate("location.hash.split('/').pop()")
    return str(page.evaluate(f"fetch('api/scenarios/{sid}').then(r => r.json()).then(d => d.assignment['{district}'])"))


def click_district(page: Any, view: str, district: str) -> None:
    point = page.evaluate(f"window.devoplanViews.{view}.pointOf('{district}')")
    assert point is not None, district
    page.mouse.click(point["x"], point["y"])


def wait_version(page: Any, number: int) -> None:
    expect(page.locator("#editor-version")).to_have_text(f"version {number}")


def deltas_text(page: Any) -> str:
    return str(page.locator("#deltas").inner_text())


def test_login_is_refused_with_a_message(page: Any, site: str) -> None:
    served = page.request.get(site)  # the app runs under its own policy: no inline or foreign script
    assert served.headers["content-security-policy"] == CSP and served.headers["x-content-type-options"] == "nosniff"
    page.fill("#login-name", "ana")
    page.fill("#login-password", "not the password")
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#error:not([hidden])")
    assert "wrong name or password" in page.locator("#error").inner_text()
    assert page.locator("#scenarios-view").is_hidden()


@pytest.mark.skipif(not swagger_ui_ready(), reason="Swagger UI is not unpacked: run `make web`")
def test_api_docs_render_offline_under_the_policy(page: Any, site: str) -> None:
    """/docs draws the API from local Swagger UI files; a blocked script or a CDN request would show here."""
    elsewhere: list[str] = []
    page.on("request", lambda r: elsewhere.append(r.url) if not r.url.startswith(site) else None)
    page.goto(f"{site.rstrip('/')}/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("devoplan workspace")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    assert not elsewhere, elsewhere


@pytest.mark.skipif(not maplibre_ready(), reason="MapLibre GL JS is not unpacked: run `make web`")
def test_edit_propose_accept_download(page: Any) -> None:
    shot(page, "login")
    log_in(page, "ana")
    shot(page, "scenarios")
    create_scenario(page, NAME, "layer", layer="ICB")
    wait_editor(page)
    assert page.locator("#editor-title").inner_text() == NAME  # shown as text, not markup
    assert page.locator("#editor-title b").count() == 0

    # Paint the Isle of Wight into Dorset's ICB on the map: the what-if panel shows both areas.
    page.check("input[name=tool][value=paint]")
    dorset, hampshire = area_of(page, DORSET), area_of(page, WIGHT)
    page.select_option("#paint-area", dorset)
    click_district(page, "map", WIGHT)
    wait_version(page, 2)
    first = deltas_text(page)
    assert "Isle of Wight" in first and "NHS Dorset" in first and "NHS Hampshire and Isle of Wight" in first
    assert "Coterminosity" in first and "Allocation" in first
    changed = page.locator("#deltas [data-part=checks] li.hit")  # the plausibility checks the move changed
    assert "areas crossing police force boundaries" in changed.all_inner_texts()[0] and "(was: " in first
    shot(page, "editor")

    # A second move changes the panel; undo is a new version and puts New Forest back.
    forest_area = area_of(page, NEW_FOREST)
    click_district(page, "map", NEW_FOREST)
    wait_version(page, 3)
    second = deltas_text(page)
    assert "New Forest" in second and second != first
    page.click("#undo")
    wait_version(page, 4)
    assert area_of(page, NEW_FOREST) == forest_area
    history = page.locator("#history-table tbody tr")
    expect(history).to_have_count(4)
    expect(history.first.locator("td").nth(1)).to_have_text("ana")  # the author's name
    log_out(page)

    # The council of the Isle of Wight proposes putting it back, on the hex map, with a reason.
    log_in(page, "carl")
    open_first_scenario(page)
    page.check("input[name=view][value=hex]")
    page.check("input[name=tool][value=paint]")
    page.select_option("#paint-area", hampshire)
    click_district(page, "hex", WIGHT)
    page.wait_for_selector("#draft:not([hidden])")
    expect(page.locator("#deltas h3")).to_have_text("Effect of the draft")
    assert "Isle of Wight" in deltas_text(page)
    page.fill("#draft-reason", REASON)
    shot(page, "proposal-draft")
    page.click("#draft-submit")
    page.wait_for_selector("#proposals article")
    assert page.locator("#proposals .reason").first.inner_text() == REASON
    log_out(page)

    # Government sees the notification, the proposal and its effect, and accepts it.
    log_in(page, "gwen")
    expect(page.locator("#notif-count")).to_have_text(re.compile(r"^[1-9][0-9]*$"))
    page.click("#nav-notifications")
    page.locator("#notif-list a").first.click()
    wait_editor(page)
    page.wait_for_selector("#proposals article")
    card = page.locator("#proposals article").first
    assert card.locator(".reason").inner_text() == REASON and card.locator(".reason i").count() == 0
    card.locator("summary", has_text="Effect if accepted").click()
    assert "Isle of Wight" in card.locator(".effect").inner_text()
    shot(page, "proposal-decide", full=True)
    card.get_by_role("button", name="Accept proposal 1").click()
    wait_version(page, 5)
    expect(page.locator("#proposals .status-label").first).to_have_text("accepted")
    assert area_of(page, WIGHT) == hampshire

    # The plan download has the accepted move.
    with page.expect_download() as download:
        page.get_by_role("link", name="Plan (CSV: district, area), version 5").click()
    saved = Path(download.value.path()).read_text(encoding="utf-8")
    wight = next(r for r in csv.reader(io.StringIO(saved)) if r and r[0] == WIGHT)
    assert hampshire in wight

    # Comments on the proposal are text; the history compares any version with the current one...
    card = page.locator("#proposals article").first
    card.locator("textarea").fill("Agreed <script>x</script>")
    card.get_by_role("button", name="Comment").click()
    expect(page.locator("#proposals .comments li strong").first).to_have_text("gwen")
    assert "Agreed <script>x</script>" in card.locator(".comments").inner_text()
    page.get_by_role("button", name="Compare v4 with current").click()
    page.wait_for_selector("#diff h3")
    assert page.locator("#diff h3").inner_text() == "Version 4 → version 5: 1 district moved"
    assert "Isle of Wight" in page.locator("#diff").inner_text()
    page.select_option("#compare-a", "1")  # ... and any two versions with each other
    page.select_option("#compare-b", "3")
    page.click("#compare-form button[type=submit]")
    expect(page.locator("#diff h3")).to_have_text("Version 1 → version 3: 2 districts moved")
    assert "New Forest" in page.locator("#diff").inner_text()

    # The downloaded plan uploads as a new scenario with the same areas.
    page.click("#nav-scenarios")
    page.set_input_files("#create-file", files=[{"name": "plan.csv", "mimeType": "text/csv",
                                                 "buffer": saved.encode("utf-8")}])
    create_scenario(page, "Uploaded", "upload")
    wait_editor(page)
    assert page.locator("#editor-title").inner_text() == "Uploaded"
    assert area_of(page, WIGHT) == hampshire


def touch_stroke(page: Any, points: list[dict[str, float]], steps: int = 12) -> None:
    """One finger pressed on the first point, dragged through the others, lifted (real touch events)."""
    cdp = page.context.new_cdp_session(page)

    def touch(kind: str, x: float = 0.0, y: float = 0.0) -> None:
        fingers = [] if kind == "touchEnd" else [{"x": x, "y": y}]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": fingers})

    touch("touchStart", points[0]["x"], points[0]["y"])
    for a, b in itertools.pairwise(points):
        for i in range(1, steps + 1):
            touch("touchMove", a["x"] + (b["x"] - a["x"]) * i / steps, a["y"] + (b["y"] - a["y"]) * i / steps)
    touch("touchEnd")


@pytest.mark.skipif(not maplibre_ready(), reason="MapLibre GL JS is not unpacked: run `make web`")
@pytest.mark.parametrize("page", [True], indirect=True)
def test_a_finger_paints_a_stroke_on_the_map_and_the_hex_map(page: Any) -> None:
    """On a touch screen a drag paints (one version per stroke) instead of panning the map."""
    log_in(page, "ana")
    create_scenario(page, "Touch", "layer", layer="ICB")
    wait_editor(page)
    page.check("input[name=tool][value=paint]")
    page.select_option("#paint-area", area_of(page, DORSET))
    point = lambda view, code: page.evaluate(f"window.devoplanViews.{view}.pointOf('{code}')")  # noqa: E731
    start = point("map", NEW_FOREST)
    touch_stroke(page, [start, point("map", TEST_VALLEY)])
    wait_version(page, 2)
    assert area_of(page, NEW_FOREST) == area_of(page, TEST_VALLEY) == area_of(page, DORSET)
    assert point("map", NEW_FOREST) == start  # the map did not pan under the finger
    page.check("input[name=view][value=hex]")
    page.select_option("#paint-area", area_of(page, WIGHT))
    touch_stroke(page, [point("hex", NEW_FOREST), point("hex", TEST_VALLEY)])
    wait_version(page, 3)
    assert area_of(page, NEW_FOREST) == area_of(page, TEST_VALLEY) == area_of(page, WIGHT)


def test_keyboard_move_and_hex_map_without_a_mouse(page: Any, site: str) -> None:
    """The move form and the hex map work from the keyboard alone (the map is not required), in a new
    tab of a logged-in session (which learns its CSRF token from "who am I")."""
    log_in(page, "ana")
    page = page.context.new_page()
    page.goto(site)
    page.wait_for_selector("#scenarios-view:not([hidden])")
    create_scenario(page, "Keyboard", "layer", layer="ICB")
    wait_editor(page)
    page.fill("#move-district", "Isle of Wight")
    page.press("#move-district", "Tab")  # leaving the field selects the district
    assert "Isle of Wight is in" in page.locator("#district-info").inner_text()
    page.select_option("#move-area", area_of(page, DORSET))
    page.locator("#move-form button[type=submit]").press("Enter")
    wait_version(page, 2)
    assert "Isle of Wight" in deltas_text(page)
    # Hex map: focus it, walk with the arrow keys, Enter selects the focused district.
    page.check("input[name=view][value=hex]")
    page.focus("#hex")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    focused = page.locator("#hex-focus").inner_text().removeprefix("Focused: ")
    assert focused and f"{focused} is in" in page.locator("#district-info").inner_text()
    # The selected district's comments, and a new one, kept as text.
    page.wait_for_selector("#district-comments:not([hidden]) textarea")
    page.fill("#district-comment-text", "Shares a <em>hospital</em> with its neighbour")
    page.get_by_role("button", name="Add the comment").click()
    page.wait_for_selector("#district-comments .comments strong")
    assert "Shares a <em>hospital</em>" in page.locator("#district-comments").inner_text()
    # Locking the selected district is a scenario setting the server keeps.
    page.check("#lock-district")
    expect(page.locator("#status")).to_contain_text(" locked in ")
    sid = page.evaluate("location.hash.split('/').pop()")
    locks = page.evaluate(f"fetch('api/scenarios/{sid}').then(r => r.json()).then(d => d.locks)")
    assert list(locks) == [page.evaluate("document.querySelector('#move-district').value").split("(")[-1][:-1]]


def test_optimiser_run_shows_progress_and_cancels(page: Any) -> None:
    log_in(page, "ana")
    create_scenario(page, "Optimiser run", "optimise", areas="38")
    page.wait_for_selector("#job:not([hidden])")
    expect(page.locator("#job-message")).not_to_be_empty()
    page.click("#job-cancel")
    expect(page.locator("#job-message")).to_have_text(re.compile("^cancelled"), timeout=60_000)
    assert page.locator("#job-cancel").is_disabled()


def test_admin_adds_a_user_and_changes_the_role(page: Any) -> None:
    log_in(page, "adam")
    page.click("#nav-users")
    page.wait_for_selector("#users-table tbody tr")
    page.fill("#new-user-name", "dora")
    page.fill("#new-user-password", PASSWORDS["dora"])
    page.select_option("#new-user-role", "area")
    page.fill("#new-user-area", "NOWHERE")
    page.click("#add-user-form button[type=submit]")
    page.wait_for_selector("#error:not([hidden])")
    assert "NOWHERE" in page.locator("#error").inner_text()
    assert page.get_attribute("#new-user-area", "aria-invalid") == "true"
    page.fill("#new-user-area", WIGHT)
    page.click("#add-user-form button[type=submit]")
    row = page.locator("#users-table tbody tr", has_text="dora")
    row.wait_for()
    shot(page, "users")
    row.locator("select").select_option("viewer")
    row.get_by_role("button", name="Save dora").click()
    expect(page.locator("#status")).to_have_text("Saved dora.")
    log_out(page)
    log_in(page, "dora")
    expect(page.locator("#create-form")).to_be_hidden()
    expect(page.locator("#nav-users")).to_be_hidden()
