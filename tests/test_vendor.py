"""The vendor constants (``blynkbook.vendor``): as the vendors' documents state them, and
the very objects both the facades and the simulator check against.

The Blynk names are read from the DataStreams OpenAPI the Schemathesis test runs
(``tests/sim/blynk-datastreams-openapi.json``); the Thingsee ones from the Open Services
document (``docs/vendor/thingsee-open-services-api.txt``), which has no OpenAPI.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from blynkbook.blynk import _checks, _paging, admin, datastreams, writes
from blynkbook.sim.blynk import datastreams as sim_datastreams
from blynkbook.sim.blynk import devices as sim_devices
from blynkbook.sim.blynk import params as sim_params
from blynkbook.sim.blynk import records as sim_records
from blynkbook.sim.blynk import values as sim_values
from blynkbook.sim.thingsee import _app as sim_thingsee
from blynkbook.sim.thingsee import _params as sim_thingsee_params
from blynkbook.sim.thingsee import _world as sim_thingsee_world
from blynkbook.thingsee import _client as thingsee_client
from blynkbook.thingsee import _commands, _fields
from blynkbook.vendor import blynk as B
from blynkbook.vendor import thingsee as T

ROOT = Path(__file__).resolve().parents[1]
OPENAPI = Path(__file__).with_name("sim") / "blynk-datastreams-openapi.json"
THINGSEE_DOC = ROOT / "docs" / "vendor" / "thingsee-open-services-api.txt"
BLYNK_NOTES = ROOT / "docs" / "vendor" / "notes-blynk-platform-api.md"


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(OPENAPI.read_text())
    return loaded


def parameter(spec: dict[str, Any], path: str, name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(
        p["schema"] for p in spec["paths"][path]["get"]["parameters"] if p["name"] == name
    )
    return found


def body_property(spec: dict[str, Any], path: str, name: str) -> dict[str, Any]:
    body = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    found: dict[str, Any] = body["properties"][name]
    return found


def test_property_names_are_the_openapi_enum_in_its_order(spec: dict[str, Any]) -> None:
    assert (
        tuple(spec["components"]["schemas"]["DataStreamPropertyName"]["enum"]) == B.PROPERTY_NAMES
    )


def test_limits_are_the_openapi_bounds(spec: dict[str, Any]) -> None:
    api = "/api/v1/organization"
    history = parameter(spec, f"{api}/device/datastream/history", "size")
    assert history["maximum"] == B.MAX_PAGE_SIZE
    batch = parameter(spec, f"{api}/device/datastreams/batch", "deviceIds")
    assert batch["maxItems"] == B.MAX_BATCH_DEVICES
    updates = body_property(spec, f"{api}/product/devices/batch-update", "updates")
    assert updates["maxItems"] == B.MAX_BATCH_UPDATES
    points = body_property(spec, f"{api}/device/import/batch", "values")
    assert points["maxItems"] == B.MAX_IMPORT_POINTS
    value = body_property(spec, f"{api}/device/datastream/property", "value")
    assert value["maxLength"] == B.MAX_PROPERTY_CHARS


def test_event_types_are_the_template_events_enum_of_the_notes() -> None:
    # the Devices OpenAPI's own enum was not retrievable; the notes quote the EventType enum
    listed = re.search(r"EventType enum .*?\n`([A-Z, ]+)`", BLYNK_NOTES.read_text())
    assert listed is not None
    assert tuple(listed.group(1).split(", ")) == B.EVENT_TYPES


def test_thingsee_command_ids_and_statuses_are_the_documents() -> None:
    text = THINGSEE_DOC.read_text()
    ids = re.findall(r"Allowed message ids are ([\d, ]+)", text)
    assert ids and {tuple(int(i) for i in found.split(", ")) for found in ids} == {
        T.ALLOWED_COMMAND_IDS
    }
    blocks = text.split("- Available installation statuses:\n")[1:]
    assert len(blocks) == 2  # the GET and the POST of installations
    for block in blocks:
        statuses = re.findall(r"^- (\w+) – ", block, flags=re.MULTILINE)[
            : len(T.INSTALLATION_STATUSES)
        ]
        assert tuple(statuses) == T.INSTALLATION_STATUSES


SHARED = [
    (writes, "PROPERTY_NAMES", B.PROPERTY_NAMES),
    (sim_datastreams, "PROPERTY_NAMES", B.PROPERTY_NAMES),
    (_checks, "EVENT_TYPES", B.EVENT_TYPES),
    (sim_devices, "EVENT_TYPES", B.EVENT_TYPES),
    (_checks, "MAX_QUERY", B.MAX_QUERY),
    (datastreams, "INPUT_MODES", B.INPUT_MODES),
    (sim_records, "INPUT_MODES", B.INPUT_MODES),
    (_paging, "MAX_PAGE_SIZE", B.MAX_PAGE_SIZE),
    (sim_params, "MAX_PAGE_SIZE", B.MAX_PAGE_SIZE),
    (sim_datastreams, "MAX_BATCH_DEVICES", B.MAX_BATCH_DEVICES),
    (writes, "MAX_STRING_BYTES", B.MAX_STRING_BYTES),
    (sim_values, "MAX_STRING_BYTES", B.MAX_STRING_BYTES),
    (writes, "MAX_PROPERTY_CHARS", B.MAX_PROPERTY_CHARS),
    (sim_datastreams, "MAX_PROPERTY_CHARS", B.MAX_PROPERTY_CHARS),
    (admin, "MAX_EVENT_DESCRIPTION", B.MAX_EVENT_DESCRIPTION),
    (sim_devices, "MAX_EVENT_DESCRIPTION", B.MAX_EVENT_DESCRIPTION),
    (sim_devices, "MAX_QUERY", B.MAX_QUERY),
    (_commands, "ALLOWED_COMMAND_IDS", T.ALLOWED_COMMAND_IDS),
    (sim_thingsee_params, "ALLOWED_COMMAND_IDS", T.ALLOWED_COMMAND_IDS),
    (thingsee_client, "INSTALLATION_STATUSES", T.INSTALLATION_STATUSES),
    (sim_thingsee, "INSTALLATION_STATUSES", T.INSTALLATION_STATUSES),
    (sim_thingsee, "MESSAGE_LIMIT", T.MESSAGE_LIMIT),
]


@pytest.mark.parametrize(
    ("user", "name", "vendor"), SHARED, ids=[f"{u.__name__}.{n}" for u, n, _ in SHARED]
)
def test_facade_and_simulator_check_against_the_one_definition(
    user: Any, name: str, vendor: object
) -> None:
    assert getattr(user, name) is vendor, f"{user.__name__}.{name} is a copy, not the vendor's"


def test_facade_limits_derive_from_the_vendor_limits() -> None:
    assert writes.BATCH_UPDATE_CHUNK == B.MAX_BATCH_UPDATES
    assert writes.IMPORT_CHUNK == B.MAX_IMPORT_POINTS
    assert writes.MAX_IMPORT_AGE_MS == writes.MAX_IMPORT_AHEAD_MS == B.IMPORT_WINDOW_MS
    assert thingsee_client.MAX_MESSAGE_LIMIT == T.MESSAGE_LIMIT


def test_the_simulated_products_are_vendor_products() -> None:
    for family, product in sim_thingsee_world.PRODUCTS.items():
        assert product.prefix in T.PRODUCT_PREFIXES[family], family
        assert _fields.family_of(product.prefix + "X1A12345678") == family


def test_the_vendor_modules_import_nothing_of_blynkbook() -> None:
    for module in (B, T):
        source = Path(module.__file__ or "").read_text()
        assert not re.search(r"^\s*(from|import) (blynkbook|\.)", source, flags=re.MULTILINE)
