"""Pure key functions: per-account scope, token digest, parseable keys, URL redaction."""

from __future__ import annotations

import pytest

from blynkbook.cache.keys import (
    account_scope,
    device_ids_in_query,
    parse_key,
    redact_url,
    request_digest,
    request_key,
    server_tag,
    token_digest,
)

URL = "https://fra1.blynk.cloud/external/api/get?v1&token=DEVICE-TOKEN-A"


def test_account_scope__differs_per_server_and_per_client() -> None:
    scopes = {
        account_scope("https://fra1.blynk.cloud", "client-a"),
        account_scope("https://fra1.blynk.cloud", "client-b"),
        account_scope("https://ny3.blynk.cloud", "client-a"),
    }
    assert len(scopes) == 3


def test_server_tag__ignores_case_and_trailing_slash() -> None:
    assert server_tag("https://FRA1.blynk.cloud/") == server_tag("https://fra1.blynk.cloud")


def test_token_digest__differs_per_token_and_hides_it() -> None:
    a, b = token_digest(URL), token_digest(URL.replace("-A", "-B"))
    assert a and b and a != b
    assert "DEVICE-TOKEN" not in a


def test_token_digest__empty_without_token() -> None:
    assert token_digest("https://x/api/v1/organization/devices?page=0") == ""


def test_request_key__two_device_tokens_never_share_a_key() -> None:
    scope = account_scope("https://x", "c")
    key_a = request_key(scope, "device_api", "GET", URL)
    key_b = request_key(scope, "device_api", "GET", URL.replace("-A", "-B"))
    assert key_a != key_b
    assert "DEVICE-TOKEN" not in key_a + key_b


def test_request_key__same_request_same_key_whatever_the_spelling() -> None:
    scope = account_scope("https://x", "c")
    a = request_key(scope, "by_owner", "GET", "https://X/api?ownerEmail=a%40b.c&page=0")
    b = request_key(scope, "by_owner", "get", "https://x/api?page=0&ownerEmail=a@b.c")
    assert a == b


def test_request_key__differs_per_query_value_method_and_body() -> None:
    scope = account_scope("https://x", "c")
    keys = {
        request_key(scope, "values", "GET", "https://x/a?deviceId=1"),
        request_key(scope, "values", "GET", "https://x/a?deviceId=2"),
        request_key(scope, "values", "HEAD", "https://x/a?deviceId=1"),
        request_key(scope, "values", "GET", "https://x/a?deviceId=1", b"{}"),
    }
    assert len(keys) == 4


def test_request_digest__ignores_the_ignored_parameters() -> None:
    plain = request_digest("GET", "https://x/a?deviceId=1")
    assert request_digest("GET", "https://x/a?deviceId=1&token=t", ignored=["token"]) == plain
    assert request_digest("GET", "https://x/a?deviceId=1&token=t") != plain


def test_request_key__round_trips_through_parse_key() -> None:
    scope = account_scope("https://x", "c")
    key = request_key(scope, "values_batch", "GET", "https://x/a?deviceIds=3&deviceIds=1,3")
    parts = parse_key(key)
    assert parts is not None
    assert (parts.scope, parts.endpoint, parts.device_ids) == (scope, "values_batch", (1, 3))
    assert parts.server == server_tag("https://x")


def test_request_key__only_sql_safe_characters() -> None:
    scope = account_scope("https://x", "o'brien")
    key = request_key(scope, "devices", "GET", "https://x/a?q=it's")
    assert set(key) <= set("0123456789abcdefghijklmnopqrstuvwxyz_,:-")


def test_request_key__rejects_odd_endpoint_names() -> None:
    with pytest.raises(ValueError, match="endpoint"):
        request_key("s", "Bad Name';", "GET", "https://x")


@pytest.mark.parametrize("key", ["", "a:b", "a:b:x,y:d", "a:b:c:d:e"])
def test_parse_key__foreign_keys_are_none(key: str) -> None:
    assert parse_key(key) is None


def test_parse_key__no_devices() -> None:
    parts = parse_key("0123456789abcdef:devices:-:00ff")
    assert parts is not None and parts.device_ids == ()


@pytest.mark.parametrize(
    ("url", "ids"),
    [
        ("/x?deviceId=7", [7]),
        ("/x?deviceIds=3&deviceIds=1", [1, 3]),
        ("/x?deviceIds=2,1,2", [1, 2]),
        ("/x?orgId=5", []),
        ("/x?deviceId=abc", []),
    ],
)
def test_device_ids_in_query(url: str, ids: list[int]) -> None:
    assert device_ids_in_query(url) == ids


def test_redact_url__hides_every_credential_and_keeps_the_rest() -> None:
    url = (
        "https://user:pw@x/oauth2/token?grant_type=refresh_token&refresh_token=RT"
        "&client_id=cid&client_secret=CS&token=T&deviceIds=1,2"
    )
    redacted = redact_url(url)
    for secret in ("RT", "CS", "=T&", "pw", "user"):
        assert secret not in redacted
    assert "grant_type=refresh_token" in redacted
    assert "client_id=cid" in redacted
    assert "deviceIds=1,2" in redacted
    assert redacted.startswith("https://x/oauth2/token?")
