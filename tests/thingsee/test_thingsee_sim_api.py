"""The simulator's HTTP contract, endpoint by endpoint, over a real loopback socket.

Paths, parameters, bodies, statuses and error bodies follow the vendor document
(/work/shared/seeds/004_887f93ab426854eb.txt) and reference/thingsee-api.md Part A.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from thingsee_kit import token_for, tuid_of

from blynkbook.sim.thingsee import ThingseeSim


def vendor_error(reply: httpx.Response, status: int) -> str:
    """Assert the documented error shape and return its message."""
    assert reply.status_code == status, reply.text
    body = reply.json()
    assert set(body) == {"statusCode", "error", "message"}
    assert body["statusCode"] == status
    message: str = body["message"]
    return message


def data(reply: httpx.Response) -> Any:
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert set(body) == {"data"}
    return body["data"]


# -- auth -------------------------------------------------------------------------------


def test_client_token__jwt_like_token_in_data(sim: ThingseeSim, base_url: str) -> None:
    body = {"client_id": sim.client_id, "client_secret": sim.client_secret}
    token = data(httpx.post(base_url + "/auth/client-token", json=body))["token"]
    assert token.startswith("eyJ") and token.count(".") == 2


def test_client_token__several_tokens_valid_at_once(sim: ThingseeSim, base_url: str) -> None:
    first, second = token_for(base_url, sim), token_for(base_url, sim)
    assert first != second
    for token in (first, second):
        reply = httpx.get(base_url + "/groups", headers={"Authorization": f"Bearer {token}"})
        assert reply.status_code == 200


def test_client_token__wrong_secret_is_401(sim: ThingseeSim, base_url: str) -> None:
    body = {"client_id": sim.client_id, "client_secret": "nope"}
    reply = httpx.post(base_url + "/auth/client-token", json=body)
    assert "Invalid client credentials" in vendor_error(reply, 401)


def test_client_token__missing_fields_is_400(base_url: str) -> None:
    reply = httpx.post(base_url + "/auth/client-token", json={"client_id": "x"})
    assert "client_secret" in vendor_error(reply, 400)


def test_no_bearer_token_is_401(base_url: str) -> None:
    vendor_error(httpx.get(base_url + "/groups"), 401)


def test_token_expires_after_15_minutes(sim: ThingseeSim, api: httpx.Client) -> None:
    assert api.get("/groups").status_code == 200
    sim.clock.advance(14 * 60)
    assert api.get("/groups").status_code == 200
    sim.clock.advance(61)
    assert "expired" in vendor_error(api.get("/groups"), 401)


def test_api_also_served_at_root(sim: ThingseeSim, base_url: str) -> None:
    root = base_url.removesuffix("/prod/v1")
    headers = {"Authorization": f"Bearer {token_for(root, sim)}"}
    assert len(data(httpx.get(root + "/groups", headers=headers))) == 4


def test_unknown_path_404_and_wrong_method_405(api: httpx.Client) -> None:
    vendor_error(api.get("/nothing/here"), 404)
    vendor_error(api.put("/groups"), 405)
    reply = api.request("TRACE", "/groups")
    vendor_error(reply, 405)
    assert reply.headers["allow"] == "GET, POST"


def test_unexpected_exception_is_a_500_in_the_vendor_shape(
    sim: ThingseeSim, api: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(request: object) -> object:
        raise KeyError("a simulator bug")

    monkeypatch.setattr(sim, "handle", broken)
    assert vendor_error(api.get("/groups"), 500) == "Internal server error"


# -- deployment groups ------------------------------------------------------------------


def test_groups__list_search_and_limit(api: httpx.Client) -> None:
    groups = data(api.get("/groups"))
    assert len(groups) == 4
    assert set(groups[0]) == {"group_id", "group_description"}
    oulu = data(api.get("/groups/", params={"q": "oulu"}))
    assert {g["group_id"] for g in oulu} == {"prfi00haltianhq", "dmfi00demoroom"}
    assert len(data(api.get("/groups", params={"limit": 1}))) == 1
    assert "limit" in vendor_error(api.get("/groups", params={"limit": 0}), 400)


def test_group_things__tuids_of_the_group(sim: ThingseeSim, api: httpx.Client) -> None:
    answer = data(api.get("/groups/prfi00haltianhq/things"))
    assert answer["group_id"] == "prfi00haltianhq"
    assert set(answer["tuids"]) == set(sim.world.group_tuids("prfi00haltianhq"))
    assert len(answer["tuids"]) == 13
    vendor_error(api.get("/groups/nosuchgroup/things"), 404)


def test_create_group__then_listed(api: httpx.Client) -> None:
    body = {"group_id": "rdfi00lab", "group_description": "A test lab"}
    assert data(api.post("/groups", json=body)) == body
    assert "rdfi00lab" in {g["group_id"] for g in data(api.get("/groups"))}


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"group_id": "has space"}, 400, "whitespace"),
        ({"group_id": "unassigned"}, 400, "unassigned"),
        ({"group_description": "no id"}, 400, "required"),
        ({"group_id": "prfi00haltianhq"}, 409, "already exists"),
    ],
)
def test_create_group__naming_rules(
    api: httpx.Client, body: dict[str, str], status: int, words: str
) -> None:
    assert words in vendor_error(api.post("/groups", json=body), status)


def test_rename_group__things_follow(sim: ThingseeSim, api: httpx.Client) -> None:
    members = sim.world.group_tuids("prgb00londonlab")
    answer = data(api.post("/groups/prgb00londonlab/rename", json={"group_id": "prgb00london"}))
    assert answer == {"group_id": "prgb00london", "old": "prgb00londonlab", "renamed": True}
    assert data(api.get("/groups/prgb00london/things"))["tuids"] == members
    assert data(api.get(f"/things/{members[0]}/group"))["group_id"] == "prgb00london"
    vendor_error(api.get("/groups/prgb00londonlab/things"), 404)


def test_rename_group__errors(api: httpx.Client) -> None:
    vendor_error(api.post("/groups/nosuch/rename", json={"group_id": "x1"}), 404)
    taken = {"group_id": "prfi00espoooffice"}
    vendor_error(api.post("/groups/prgb00londonlab/rename", json=taken), 409)
    vendor_error(api.post("/groups/prgb00londonlab/rename", json={"group_id": "a b"}), 400)


def test_delete_group__only_when_empty(api: httpx.Client) -> None:
    assert "move them first" in vendor_error(api.delete("/groups/dmfi00demoroom"), 409)
    api.post("/groups", json={"group_id": "empty1"})
    assert data(api.delete("/groups/empty1")) == {"group_id": "empty1", "deleted": True}
    vendor_error(api.delete("/groups/empty1"), 404)


# -- things -----------------------------------------------------------------------------


def test_thing_info(sim: ThingseeSim, api: httpx.Client) -> None:
    tuid = tuid_of(sim, "environment")
    info = data(api.get(f"/things/{tuid}"))
    assert set(info) == {"battery_level", "timestamp", "location", "gateway_tuid", "version"}
    assert 0 < info["battery_level"] <= 100
    assert set(info["location"]) == {"lat", "lon"}
    assert info["gateway_tuid"].startswith("TSGW")
    assert sim.world.now() - 3600 < info["timestamp"] <= sim.world.now()
    assert "not found" in vendor_error(api.get("/things/TSPD04X0X00000000"), 404)


def test_messages__limit_is_required_and_bounded(sim: ThingseeSim, api: httpx.Client) -> None:
    path = f"/things/{tuid_of(sim, 'environment')}/messages"
    assert "limit is required" in vendor_error(api.get(path), 400)
    assert "1000" in vendor_error(api.get(path, params={"limit": 1001}), 400)
    assert "integer" in vendor_error(api.get(path, params={"limit": "ten"}), 400)
    assert "messageid" in vendor_error(api.get(path, params={"limit": 5, "messageid": "x"}), 400)


def test_messages__newest_first_with_header(sim: ThingseeSim, api: httpx.Client) -> None:
    tuid = tuid_of(sim, "environment")
    found = data(api.get(f"/things/{tuid}/messages", params={"limit": 20}))
    assert len(found) == 20
    stamps = [m["tsmTs"] for m in found]
    assert stamps == sorted(stamps, reverse=True)
    first = found[0]
    assert {"tsmId", "tsmEv", "tsmTs", "tsmTuid", "tsmGw", "deploymentGroupId"} <= set(first)
    assert first["tsmTuid"] == tuid


def test_messages__filters_and_inclusive_window(sim: ThingseeSim, api: httpx.Client) -> None:
    tuid = tuid_of(sim, "air")
    now = sim.world.now()
    params = {"limit": 1000, "from": now - 86_400, "to": now, "messageid": "24100,1110"}
    found = data(api.get(f"/things/{tuid}/messages", params=params))
    assert {m["tsmId"] for m in found} == {24100, 1110}
    assert all(now - 86_400 <= m["tsmTs"] <= now for m in found)
    assert len(found) == len(sim.world.messages(tuid, now - 86_400, now, {24100, 1110}))
    edge = found[-1]["tsmTs"]  # the oldest one: both bounds are inclusive
    exact = {"limit": 10, "from": edge, "to": edge, "messageid": str(found[-1]["tsmId"])}
    assert [m["tsmTs"] for m in data(api.get(f"/things/{tuid}/messages", params=exact))] == [edge]
    battery = data(api.get(f"/things/{tuid}/messages", params={"limit": 50, "eventid": "101"}))
    assert battery and {m["tsmId"] for m in battery} == {1110}


def test_messages__retired_thing_is_silent_lately(sim: ThingseeSim, api: httpx.Client) -> None:
    tuid = tuid_of(sim, "environment", live=False)
    now = sim.world.now()
    recent = {"limit": 10, "from": now - 86_400, "to": now}
    assert data(api.get(f"/things/{tuid}/messages", params=recent)) == []
    assert data(api.get(f"/things/{tuid}/messages", params={"limit": 10}))


def test_messages__unknown_thing_404(api: httpx.Client) -> None:
    vendor_error(api.get("/things/NOPE/messages", params={"limit": 1}), 404)


# -- alerts -----------------------------------------------------------------------------


def test_alerts__all_count_and_per_thing(sim: ThingseeSim, api: httpx.Client) -> None:
    alerting = data(api.get("/things/alerts"))["alerting_tuids"]
    assert len(alerting) == 2 and alerting == sim.world.active_alert_tuids()
    assert data(api.get("/things/alerts/count")) == {"alert_count": "2"}
    spans = data(api.get(f"/things/{alerting[0]}/alerts"))
    assert {"tuid", "alert_type", "alerts"} == set(spans[0])
    assert any(a["to"] is None for group in spans for a in group["alerts"])
    assert "T" in spans[0]["alerts"][0]["from"] and "+" not in spans[0]["alerts"][0]["from"]


def test_alerts__window_filters_spans(sim: ThingseeSim, api: httpx.Client) -> None:
    closed = next(a for a in sim.world.alerts if a.end is not None)
    path = f"/things/{closed.tuid}/alerts"
    inside = data(api.get(path, params={"from": closed.start, "to": closed.end}))
    assert "gateway connection lost" in {g["alert_type"] for g in inside}
    before = data(api.get(path, params={"from": 0, "to": closed.start - 1}))
    assert all(g["alert_type"] != "gateway connection lost" for g in before)
    vendor_error(api.get("/things/NOPE/alerts"), 404)


# -- commands ---------------------------------------------------------------------------


def test_commands__send_then_listed(sim: ThingseeSim, api: httpx.Client) -> None:
    tuid = tuid_of(sim, "presence")
    command = {"tsmId": 13200, "tsmEv": 30, "threshold": 300, "mode": 1}
    answer = data(api.post(f"/things/{tuid}/commands", json=[command]))
    assert answer["responsible"] == sim.client_id
    sent = answer["commands"][0]
    assert sent["tsmDstTuid"] == tuid and sent["tsmTs"] == sim.world.now()
    listed = data(api.get(f"/things/{tuid}/commands", params={"messageid": "13200"}))
    assert listed[-1]["command"]["threshold"] == 300
    assert set(listed[-1]) == {"tuid", "timestamp", "responsible", "command"}


def test_commands__list_filters_chronological(sim: ThingseeSim, api: httpx.Client) -> None:
    tuid = next(t for t, cs in sim.world.commands.items() if cs)
    api.post(f"/things/{tuid}/commands", json=[{"tsmId": 1500, "tsmEv": 30, "reportInterval": 900}])
    listed = data(api.get(f"/things/{tuid}/commands"))
    assert [c["timestamp"] for c in listed] == sorted(c["timestamp"] for c in listed)
    assert len(listed) == 2
    assert data(api.get(f"/things/{tuid}/commands", params={"eventid": "35"})) == []
    latest = data(api.get(f"/things/{tuid}/commands", params={"limit": 1}))
    assert latest[0]["command"]["reportInterval"] == 900
    since = {"from": sim.world.now()}
    assert len(data(api.get(f"/things/{tuid}/commands", params=since))) == 1


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ([{"tsmId": 17110, "tsmEv": 30}], "not allowed"),
        ([{"tsmId": 1500}], "tsmEv"),
        ({"tsmId": 1500, "tsmEv": 30}, "array"),
        ([], "array"),
    ],
)
def test_commands__rejected(sim: ThingseeSim, api: httpx.Client, body: Any, words: str) -> None:
    tuid = tuid_of(sim, "presence")
    before = list(sim.world.commands[tuid])
    assert words in vendor_error(api.post(f"/things/{tuid}/commands", json=body), 400)
    assert sim.world.commands[tuid] == before


# -- installations and a thing's group --------------------------------------------------


def test_installations__history_newest_first_and_set(sim: ThingseeSim, api: httpx.Client) -> None:
    tuid = tuid_of(sim, "distance")
    history = data(api.get(f"/things/{tuid}/installations"))
    assert [h["installation_status"] for h in history] == ["installed", "new"]
    assert set(history[0]) == {"tuid", "installation_status", "timestamp", "responsible"}
    body = {"installation_status": "quarantine"}
    answer = data(api.post(f"/things/{tuid}/installations", json=body))
    assert answer == {"tuid": tuid, "installation_status": "quarantine"}
    current = data(api.get(f"/things/{tuid}/installations", params={"limit": 1}))
    assert current[0]["installation_status"] == "quarantine"
    assert current[0]["responsible"] == sim.client_id


def test_installations__bad_status_400(sim: ThingseeSim, api: httpx.Client) -> None:
    path = f"/things/{tuid_of(sim, 'distance')}/installations"
    assert "retired" in vendor_error(api.post(path, json={"installation_status": "lost"}), 400)
    vendor_error(api.get("/things/NOPE/installations"), 404)


def test_thing_group__get_and_move(sim: ThingseeSim, api: httpx.Client) -> None:
    tuid = sim.world.group_tuids("dmfi00demoroom")[1]
    assert data(api.get(f"/things/{tuid}/group")) == {"group_id": "dmfi00demoroom", "tuid": tuid}
    moved = data(api.post(f"/things/{tuid}/group", json={"group_id": "prfi00haltianhq"}))
    assert moved == {"group_id": "prfi00haltianhq", "tuid": tuid}
    assert tuid in data(api.get("/groups/prfi00haltianhq/things"))["tuids"]
    latest = data(api.get(f"/things/{tuid}/messages", params={"limit": 1}))
    assert latest[0]["deploymentGroupId"] == "prfi00haltianhq"
    vendor_error(api.post(f"/things/{tuid}/group", json={"group_id": "nosuch"}), 404)
    vendor_error(api.post(f"/things/{tuid}/group", json={}), 400)


# -- throttling -------------------------------------------------------------------------


def test_rate_limit__429_with_retry_after(sim: ThingseeSim, api: httpx.Client) -> None:
    sim.rate_limit.configure(rate=0.01, burst=2)
    statuses = [api.get("/groups").status_code for _ in range(3)]
    assert statuses[:2] == [200, 200]
    throttled = api.get("/groups")
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) >= 1


def test_request_count_and_determinism(sim: ThingseeSim, api: httpx.Client) -> None:
    before = sim.request_count
    api.get("/groups")
    assert sim.request_count == before + 1
    twin = ThingseeSim(seed=7, now="2026-11-20T12:00:00Z")
    assert list(twin.world.things) == list(sim.world.things)
    tuid = tuid_of(sim, "count")
    assert twin.world.messages(tuid) == sim.world.messages(tuid)
