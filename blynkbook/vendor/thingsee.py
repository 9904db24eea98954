"""Enumerations of Haltian's Thingsee Open Services API.

The API document (docs/vendor/thingsee-open-services-api.txt) lists the command ids and
installation statuses, and ``tests/test_vendor.py`` checks them against it; the TUID
prefixes are from the notes (docs/vendor/notes-thingsee-api.md).
"""

from __future__ import annotations

__all__ = ["ALLOWED_COMMAND_IDS", "INSTALLATION_STATUSES", "MESSAGE_LIMIT", "PRODUCT_PREFIXES"]

#: "Allowed message ids are 1500, 1501, 12200, 13200" (send commands).
ALLOWED_COMMAND_IDS = (1500, 1501, 12200, 13200)
#: "Available installation statuses", in the document's order.
INSTALLATION_STATUSES = ("new", "installed", "uninstalled", "quarantine", "retired")
#: The document gives no maximum for a message read's ``limit``: blynkbook's choice, the
#: largest ``limit`` the facade asks for and the simulator takes.
MESSAGE_LIMIT = 1000

#: Product family → its TUID prefixes (first 6 characters), after Haltian's installer app.
PRODUCT_PREFIXES: dict[str, tuple[str, ...]] = {
    "gateway": ("XXXX00", "TSGW01", "TSGW02", "XXXX08", "TSGW03", "XXXX11", "TSGW04", "XXXX21")
    + ("TSGW06", "XXXX16", "TSGW05"),
    "environment": ("XXXX01", "TSPD01", "XXXX03", "TSPD02", "TSPD03", "TSPD04", "XXEN01")
    + ("TSEN01", "XXXX18", "TSPD05", "XXRU01", "TSRU01", "TSRU02"),
    "presence": ("XXXX05", "TSPR01", "XXXX06", "TSPR02", "XXXX12", "TSPR03", "XXXX13", "TSPR04"),
    "distance": ("XXXX02", "TSTF01", "XXXX04", "TSTF02", "XXXX20", "TSTF04"),
    "angle": ("XXXX10", "TSAN01"),
    "leakage": ("XXLK01", "TSLK01", "TSLK02"),
    "air": ("XXAR01", "TSAR01", "TSAR02"),
    "count": ("XXXX24", "TSAP01"),
}
