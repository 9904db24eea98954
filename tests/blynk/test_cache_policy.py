"""The Blynk cache rules (blynk/_cache_policy.py): lifetimes, closed windows, invalidation."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from blynkbook.blynk._cache_policy import BLYNK_POLICY, BLYNK_READS
from blynkbook.cache import DO_NOT_CACHE, NEVER_EXPIRE, ClosedWindow, Policy
from blynkbook.cache.policy import ReadRule

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)
API = "https://fra1.blynk.cloud/api/v1/organization"
HISTORY = f"{API}/device/datastream/history?deviceId=1&dataStreamId=1&from=0"


def expire(url: str, now: datetime = NOW) -> int:
    return BLYNK_POLICY.expire_after(url, now)


def test_history__window_closed_in_the_past_never_expires() -> None:
    end = NOW_MS - 3 * 60_000
    assert expire(f"{HISTORY}&to={end}") == NEVER_EXPIRE


@pytest.mark.parametrize("minutes_ago", [0, 1, -5])  # within the margin, or in the future
def test_history__window_touching_now_expires_within_a_minute(minutes_ago: int) -> None:
    end = NOW_MS - minutes_ago * 60_000
    assert 0 < expire(f"{HISTORY}&to={end}") <= 60


def test_history__judged_by_the_given_clock() -> None:
    url = f"{HISTORY}&to={NOW_MS}"
    assert expire(url, NOW + timedelta(hours=1)) == NEVER_EXPIRE
    assert expire(url, NOW) != NEVER_EXPIRE


def test_history__without_or_with_garbage_to_uses_the_short_lifetime() -> None:
    assert 0 < expire(HISTORY) <= 60
    assert 0 < expire(f"{HISTORY}&to=yesterday") <= 60


@pytest.mark.parametrize(
    "url",
    [
        "https://x/api/v2/organization/device/datastreams?deviceId=1",
        f"{API}/device/datastreams/batch?deviceIds=1&deviceIds=2",
        f"{API}/device/online?deviceId=1",
        f"{API}/device?deviceId=1",
    ],
)
def test_current_values__expire_within_a_minute(url: str) -> None:
    assert 0 < expire(url) <= 60


@pytest.mark.parametrize(
    "url",
    [
        f"{API}/devices?page=0&size=1000",
        "https://x/api/v2/organization/devices",
        f"{API}/search/devices?query=pump",
        f"{API}/device/by-owner?ownerEmail=a@b.c",
        f"{API}/device/by-user-org?userEmail=a@b.c",
        f"{API}/device/baseInfo?deviceId=1",
        f"{API}/templates",
        f"{API}/template/datastreams?templateId=1001",
        f"{API}/device/metafield?deviceId=1",
        f"{API}/device/tags?deviceId=1",
        f"{API}/tags",
    ],
)
def test_lists_and_metadata__last_a_few_minutes(url: str) -> None:
    assert 60 < expire(url) <= 15 * 60


@pytest.mark.parametrize(
    "url",
    [
        "https://x/oauth2/token?grant_type=client_credentials",
        "https://x/auth/client-token",
        f"{API}/static-tokens?page=0",
        f"{API}/something-new",
    ],
)
def test_credentials_and_unknown_paths__never_cached(url: str) -> None:
    assert expire(url) == DO_NOT_CACHE


def test_first_match_wins_and_a_second_table_extends() -> None:
    thingsee = (
        ReadRule("messages", r"/things/[^/]+/messages", 60, window=ClosedWindow("to", unit=1)),
        ReadRule("devices", "/api/v1/organization/devices", 1),  # shadowed by Blynk's rule
    )
    policy = Policy(reads=(BLYNK_READS, thingsee))
    closed = int(NOW.timestamp()) - 3600
    assert policy.expire_after(f"https://t/things/TSX1/messages?to={closed}", NOW) == NEVER_EXPIRE
    assert policy.read_rule("/things/TSX1/messages").name == "messages"
    assert policy.expire_after(f"{API}/devices", NOW) == expire(f"{API}/devices")


def test_device_ids_of_reads_follow_the_rule() -> None:
    url = f"{API}/device/datastreams/batch?deviceIds=2&deviceIds=1"
    assert BLYNK_POLICY.read_device_ids(url) == [1, 2]


def body(data: object) -> bytes:
    return json.dumps(data).encode()


def test_invalidation__write_names_device_in_body() -> None:
    stale = BLYNK_POLICY.invalidation(
        "POST", f"{API}/device/datastream", body({"deviceId": 5, "dataStreamId": 1, "value": 2})
    )
    assert stale.device_ids == {5}
    assert not stale.lists_devices


def test_invalidation__batch_update_names_every_device_in_its_rows() -> None:
    payload = {"fields": ["deviceId", "Temperature"], "updates": [[3, 1.0], [9, 2.0], [3, 5]]}
    stale = BLYNK_POLICY.invalidation(
        "POST", f"{API}/../product/devices/batch-update", body(payload)
    )
    assert stale.device_ids == {3, 9}


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("POST", "/device/create", {"templateId": "TMPL", "name": "x"}),
        ("PUT", "/device?deviceId=4", {"name": "New"}),
        ("DELETE", "/device?deviceId=4", None),
        ("POST", "/device/transfer/to-owner", {"deviceId": 4, "newUserId": 2}),
        ("POST", "/device/transfer/to-organization", {"deviceId": 4, "newOrgId": 102}),
        ("DELETE", "/device/owner?deviceId=4", None),
    ],
)
def test_invalidation__fleet_changes_stale_device_lists(
    method: str, path: str, data: object
) -> None:
    stale = BLYNK_POLICY.invalidation(method, API + path, body(data) if data else b"")
    assert stale.lists_devices
    if "create" not in path:
        assert stale.device_ids == {4}


def test_invalidation__clear_data_stales_the_device_only() -> None:
    stale = BLYNK_POLICY.invalidation("DELETE", f"{API}/device/clear?deviceId=8")
    assert stale.device_ids == {8} and not stale.lists_devices


def test_invalidation__nothing_named_means_nothing_stale() -> None:
    assert not BLYNK_POLICY.invalidation("POST", f"{API}/unknown", b"not json")


def test_listing_endpoints() -> None:
    assert {"devices", "search", "by_owner", "by_user_org"} <= BLYNK_POLICY.listing_endpoints()
    assert "history" not in BLYNK_POLICY.listing_endpoints()


def test_the_generic_policy_knows_no_cloud() -> None:
    """cache/ holds the machinery only: without a cloud's tables nothing is cached."""
    path = "/api/v1/organization/device/datastream/history"
    assert not Policy().read_rule(path).cacheable
    assert BLYNK_POLICY.read_rule(path).cacheable
