"""Limits and enumerations of the Blynk Platform API.

Checked against the DataStreams OpenAPI where it lists them
(docs/vendor/blynk-datastreams-openapi.json, by ``tests/test_vendor.py``); the rest are from
the Devices API page (docs/vendor/blynk-devices-api.txt) and the notes
(docs/vendor/notes-blynk-platform-api.md).
"""

from __future__ import annotations

__all__ = [
    "EVENT_TYPES",
    "IMPORT_WINDOW_MS",
    "INPUT_MODES",
    "MAX_BATCH_DEVICES",
    "MAX_BATCH_UPDATES",
    "MAX_EVENT_DESCRIPTION",
    "MAX_IMPORT_POINTS",
    "MAX_PAGE_SIZE",
    "MAX_PROPERTY_CHARS",
    "MAX_QUERY",
    "MAX_STRING_BYTES",
    "PROPERTY_NAMES",
]

_DAY_MS = 86_400_000

#: The ``DataStreamPropertyName`` enum of the DataStreams OpenAPI (34 names, its order).
PROPERTY_NAMES = (
    "label", "color", "onBackColor", "offBackColor", "onColor", "offColor", "onLabel",
    "offLabel", "labels", "min", "max", "isOnPlay", "url", "urls", "step",
    "valueFormatting", "suffix", "maximumFractionDigits", "opacity", "scale", "rotation",
    "sortType", "isDisabled", "isHidden", "icons", "onImageUrl", "offImageUrl", "page",
    "sound", "isMuted", "loop", "autoplay", "contentDesign", "backColor",
)  # fmt: skip
#: The timeline's ``eventType`` values (the EventType enum of the Template Events page).
EVENT_TYPES = (
    "ONLINE",
    "OFFLINE",
    "INFORMATION",
    "WARNING",
    "CRITICAL",
    "CONTENT",
    "INACTIVE",
    "LIFECYCLE",
    "NOTE",
)
#: Pin modes of a digital or analog pin that the device reads: such a pin takes no writes.
INPUT_MODES = frozenset({"INPUT", "INPUT_PULL_UP", "INPUT_PULL_DOWN"})

MAX_PAGE_SIZE = 1000  # ``size`` of every paged list, history included
MAX_BATCH_DEVICES = 10  # ``deviceIds`` of the batch current-values read
MAX_BATCH_UPDATES = 10_000  # ``updates`` of one batch-update request
MAX_IMPORT_POINTS = 10_000  # ``values`` of one import request
MAX_PROPERTY_CHARS = 200  # ``value`` of a datastream property update
MAX_STRING_BYTES = 1024  # a STRING datastream value
MAX_EVENT_DESCRIPTION = 300  # ``eventDescription`` of trigger-event
MAX_QUERY = 255  # a search query or an e-mail
#: "timestamps ≤ 1 month old" (a month read as 30 days); points as far ahead are skipped.
IMPORT_WINDOW_MS = 30 * _DAY_MS
