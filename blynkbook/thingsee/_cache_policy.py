"""What the on-disk cache keeps of Thingsee reads, and which writes make them stale.

Paths are matched whole and may carry the deployment's stage prefix (``/prod/v1``). Message
windows that ended in the past never change, so they never expire.

>>> policy = THINGSEE_POLICY
>>> policy.read_rule("/prod/v1/things/TSPD04X1A12345678/messages").name
'messages'
>>> policy.read_rule("/prod/v1/things/alerts/count").name
'alert_count'
"""

from __future__ import annotations

from blynkbook.cache import DO_NOT_CACHE, ClosedWindow, Policy, ReadRule, WriteRule

__all__ = ["THINGSEE_POLICY", "THINGSEE_READS", "THINGSEE_WRITES"]

LIVE = 60  # seconds: anything that moves while you look at it
FLEET = 5 * 60  # groups and memberships
_ANY = "(?:/[^/]+)*?"  # an optional base path such as /prod/v1
_THING = f"{_ANY}/things/(?!alerts$)[^/]+"

THINGSEE_READS: tuple[ReadRule, ...] = (
    ReadRule("token", f"{_ANY}/auth/.*", DO_NOT_CACHE),
    ReadRule("alert_count", f"{_ANY}/things/alerts/count", LIVE),
    ReadRule("alerting", f"{_ANY}/things/alerts", LIVE),
    ReadRule("messages", f"{_THING}/messages", LIVE, window=ClosedWindow("to", unit=1)),
    ReadRule("alerts", f"{_THING}/alerts", LIVE),
    ReadRule("commands", f"{_THING}/commands", LIVE),
    ReadRule("installations", f"{_THING}/installations", LIVE),
    ReadRule("thing_group", f"{_THING}/group", FLEET),
    ReadRule("thing", _THING, LIVE),
    ReadRule("group_things", f"{_ANY}/groups/[^/]+/things", FLEET),
    ReadRule("groups", f"{_ANY}/groups/?", FLEET),
)

_MEMBERSHIP = ("groups", "group_things", "thing_group")

THINGSEE_WRITES: tuple[WriteRule, ...] = (
    WriteRule(f"{_THING}/commands", endpoints=("commands",)),
    WriteRule(f"{_THING}/installations", endpoints=("installations",)),
    WriteRule(f"{_THING}/group", endpoints=(*_MEMBERSHIP, "messages")),
    WriteRule(f"{_ANY}/groups(?:/.*)?", endpoints=_MEMBERSHIP),
)

THINGSEE_POLICY = Policy(reads=(THINGSEE_READS,), writes=(THINGSEE_WRITES,))
