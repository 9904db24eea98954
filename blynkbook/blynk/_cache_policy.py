"""What the on-disk cache keeps of Blynk reads, and which writes make them stale.

Paths are the Platform API's (docs/vendor/notes-blynk-platform-api.md §2), matched whole;
history windows that ended in the past never change, so they never expire. Every write also
stales the reads of the devices it names (the generic rule of
:class:`~blynkbook.cache.Policy`).

>>> rule = BLYNK_POLICY.read_rule("/api/v1/organization/device/datastream/history")
>>> rule.name, rule.ttl
('history', 60)
"""

from __future__ import annotations

from typing import Final

from blynkbook.cache import DO_NOT_CACHE, ClosedWindow, Policy, ReadRule, WriteRule

__all__ = ["BLYNK_POLICY", "BLYNK_READS", "BLYNK_WRITES"]

SECONDS: Final = 1
MINUTES: Final = 60
#: Current values and anything else that moves while you look at it.
LIVE: Final = 60 * SECONDS
#: Connection state moves faster still.
PRESENCE: Final = 30 * SECONDS
#: Device lists, search results, metadata, tags, timelines.
FLEET: Final = 5 * MINUTES
#: Templates and organization settings change rarely.
SETTINGS: Final = 15 * MINUTES

_ORG = "/api/v[12]/organization"

BLYNK_READS: tuple[ReadRule, ...] = (
    ReadRule("history", f"{_ORG}/device/datastream/history", LIVE, window=ClosedWindow()),
    ReadRule("values", f"{_ORG}/device/datastreams", LIVE),
    ReadRule("values_batch", f"{_ORG}/device/datastreams/batch", LIVE),
    ReadRule("online", f"{_ORG}/device/online", PRESENCE),
    ReadRule("activated", f"{_ORG}/device/last-activated", PRESENCE, lists_devices=True),
    ReadRule("device", f"{_ORG}/device", LIVE),  # DeviceDetails carry current values
    ReadRule("device_base", f"{_ORG}/device/baseInfo", FLEET),
    ReadRule("device_tags", f"{_ORG}/device/tags", FLEET),
    ReadRule("timeline", f"{_ORG}/device/timeline", FLEET),
    ReadRule("logs", f"{_ORG}/device/logs", FLEET),
    ReadRule("metadata", f"{_ORG}/device/metafield", FLEET),
    ReadRule("devices", f"{_ORG}/devices", FLEET, lists_devices=True),
    ReadRule("search", f"{_ORG}/search/devices", FLEET, lists_devices=True),
    ReadRule("by_owner", f"{_ORG}/device/by-owner", FLEET, lists_devices=True),
    ReadRule("by_user_org", f"{_ORG}/device/by-user-org", FLEET, lists_devices=True),
    ReadRule("templates", f"{_ORG}/templates?", SETTINGS),
    ReadRule("template_parts", f"{_ORG}/template/(datastreams|events|metafields)", SETTINGS),
    ReadRule("tags", f"{_ORG}/tags", SETTINGS),
    ReadRule("organization", f"{_ORG}(/profile|/sub-organizations)?", SETTINGS),
    # Credentials in the body: static device tokens, OAuth clients, token endpoints.
    ReadRule("static_tokens", f"{_ORG}/static-tokens.*", DO_NOT_CACHE),
    ReadRule("oauth", r"/oauth2/.*|.*/oauth/.*|/auth/.*", DO_NOT_CACHE),
)

#: Blynk writes that stale more than the devices they name.
BLYNK_WRITES: tuple[WriteRule, ...] = (
    WriteRule(f"{_ORG}/device/create", lists_devices=True),
    WriteRule(f"{_ORG}/device", frozenset({"PUT", "DELETE"}), lists_devices=True),
    WriteRule(f"{_ORG}/device/transfer/.*", lists_devices=True),
    WriteRule(f"{_ORG}/device/owner", frozenset({"DELETE"}), lists_devices=True),
    WriteRule(f"{_ORG}/template.*", endpoints=("templates", "template_parts")),
    WriteRule(f"{_ORG}/tags?.*", endpoints=("tags", "device_tags")),
)

BLYNK_POLICY = Policy(reads=(BLYNK_READS,), writes=(BLYNK_WRITES,))
