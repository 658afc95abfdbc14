"""The negotiation: an area proposes, government sees the effect and accepts, rejects or counters,
the area decides the counter; comments, notifications and the audit trail follow each step.
Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from devoplan.testing.workspace import Api

WEST_LANCS, WIGAN = "E07000127", "E08000010"


def test_propose_accept_counter_comment_notify(api_any: Api) -> None:
    api = api_any
    icb = api.scenario(name="negotiation")
    sid = icb["id"]
    cheshire = api.area_code(icb, "Cheshire and Merseyside")
    gm = api.area_code(icb, "Greater Manchester")
    unread_before = len(api.ok("analyst", "GET", "/api/notifications", params={"unread": True}))

    # an area user proposes to move one of its own districts
    made = api.ok("area", "POST", f"/api/scenarios/{sid}/proposals", json={
        "moves": [{"district": "West Lancashire", "area": cheshire}], "reason": "our hospital trust is in Ormskirk"})
    assert made["status"] == "open" and made["moves"] == [{"district": WEST_LANCS, "area": cheshire}]
    # but not a district of someone else's area
    foreign = api.post("area", f"/api/scenarios/{sid}/proposals", json={
        "moves": [{"district": WIGAN, "area": cheshire}], "reason": "why not"})
    assert foreign.status_code == 403 and foreign.json()["error"]["field"] == "moves[0].district"

    # everyone sees the effect before deciding
    seen = api.ok("viewer", "GET", f"/api/proposals/{made['id']}")
    assert seen["effect"]["moves"][0]["to"] == cheshire and seen["applies"] is None
    inbox = api.ok("analyst", "GET", "/api/notifications", params={"unread": True})
    assert len(inbox) == unread_before + 1 and inbox[0]["proposal"] == made["id"]

    comment = api.ok("analyst", "POST", f"/api/proposals/{made['id']}/comments", json={"text": "what of Skelmersdale?"})
    assert comment["author"]["name"] == "anna"
    assert [c["text"] for c in api.ok("viewer", "GET", f"/api/proposals/{made['id']}/comments")] == [
        "what of Skelmersdale?"]

    # government counter-proposes; the area accepts the counter
    answer = api.ok("analyst", "POST", f"/api/proposals/{made['id']}/counter", json={
        "moves": [{"district": WEST_LANCS, "area": gm}], "reason": "Greater Manchester instead"})
    assert answer["counter_of"] == made["id"] and answer["status"] == "open"
    assert api.ok("viewer", "GET", f"/api/proposals/{made['id']}")["status"] == "countered"
    assert api.post("viewer", f"/api/proposals/{answer['id']}/accept", json={}).status_code == 403
    kinds = {n["kind"] for n in api.ok("area", "GET", "/api/notifications")}
    assert {"comment", "counter"} <= kinds
    accepted = api.ok("area", "POST", f"/api/proposals/{answer['id']}/accept", json={"note": "agreed"})
    assert accepted["status"] == "accepted" and accepted["result_version"] == 2
    assert api.ok("viewer", "GET", f"/api/scenarios/{sid}")["assignment"][WEST_LANCS] == gm
    again = api.post("analyst", f"/api/proposals/{answer['id']}/reject", json={})
    assert again.status_code == 409 and "accepted already" in again.json()["error"]["message"]

    # another proposal is rejected, with a note the author is told about
    second = api.ok("area", "POST", f"/api/scenarios/{sid}/proposals", json={
        "moves": [{"district": "Chorley", "area": cheshire}], "reason": "Chorley too"})
    rejected = api.ok("admin", "POST", f"/api/proposals/{second['id']}/reject", json={"note": "no"})
    assert rejected["status"] == "rejected" and rejected["decided_by"]["name"] == "adam"
    assert [p["id"] for p in api.ok("viewer", "GET", f"/api/scenarios/{sid}/proposals",
                                    params={"status": "open"})] == []

    # district comments: an area user on its own districts only
    api.ok("area", "POST", f"/api/scenarios/{sid}/comments", json={"district": "Chorley", "text": "keep us"})
    assert api.post("area", f"/api/scenarios/{sid}/comments", json={"district": WIGAN, "text": "x"}
                    ).status_code == 403
    assert [c["district"] for c in api.ok("viewer", "GET", f"/api/scenarios/{sid}/comments",
                                          params={"district": "chorley"})] == ["E07000118"]

    notes = api.ok("area", "GET", "/api/notifications", params={"unread": True})
    assert api.ok("area", "POST", f"/api/notifications/{notes[0]['id']}/read")["read"] is True
    assert api.post("viewer", f"/api/notifications/{notes[0]['id']}/read").status_code == 404  # not theirs
    assert api.ok("area", "POST", "/api/notifications/read-all")["marked"] == len(notes) - 1

    trail = [e["action"] for e in api.ok("admin", "GET", "/api/audit", params={"limit": 1000})
             if e["action"].startswith(("proposal.", "comment."))]
    assert trail[::-1] == ["proposal.create", "comment.add", "proposal.counter", "proposal.accept",
                           "proposal.create", "proposal.reject", "comment.add"]


def test_a_proposal_that_no_longer_applies_says_why(api: Api) -> None:
    icb = api.scenario(name="stale")
    sid = icb["id"]
    cheshire = api.area_code(icb, "Cheshire and Merseyside")
    made = api.ok("area", "POST", f"/api/scenarios/{sid}/proposals", json={
        "moves": [{"district": WEST_LANCS, "area": cheshire}], "reason": "r"})
    api.ok("analyst", "PATCH", f"/api/scenarios/{sid}", json={"locks": {WEST_LANCS: "E54000048"}})
    seen = api.ok("viewer", "GET", f"/api/proposals/{made['id']}")
    assert seen["effect"] is None and "locked" in seen["applies"]
    refused = api.post("analyst", f"/api/proposals/{made['id']}/accept", json={})
    assert refused.status_code == 409 and refused.json()["error"]["field"] == "moves[0].district"
    assert api.get("viewer", "/api/proposals/999").status_code == 404
