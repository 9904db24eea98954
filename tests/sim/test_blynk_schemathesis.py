"""The embedded cloud checked by a tool we did not write: Schemathesis, from the vendor's
DataStreams OpenAPI (``blynk-datastreams-openapi.json``), over a real loopback socket.

Every operation gets positive inputs (valid by the spec) and negative ones (each breaking
the spec somewhere), a bounded number of each, derandomized so a run is repeatable:

- no answer is a 5xx (``not_a_server_error``);
- every status and body is one the spec documents, in the documented shape
  (``status_code_conformance``, ``content_type_conformance``,
  ``response_schema_conformance``);
- no invalid input is accepted (``negative_data_rejection``: a 4xx for every negative case).

The published spec is incomplete in two places; :data:`DEVIATIONS` adds exactly those
answers to the copy the test checks against, with the reason, instead of excluding checks.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from simkit import NOW, OPENAPI, token_for

from blynkbook.sim.blynk import BlynkSim

EXAMPLES_PER_CASE = 30  # per operation and mode: 8 × 2 × 30 requests, a few seconds
ERROR_BODY = {
    "description": "Error",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
}
#: Answers the simulator gives that the published spec does not list, and why.
DEVIATIONS: list[tuple[str, str, str]] = [
    (
        "*",
        "401",
        "every operation needs a bearer token (security: bearerAuth), yet the spec documents "
        "no 401; a missing, unknown or expired token is answered 401 with the error body",
    ),
    (
        "getDeviceDataStreamsV2",
        "400",
        "deviceId is a required int32; the spec lists no 400 for a missing or malformed one, "
        "and answering 404 would claim a device that was never named does not exist",
    ),
    (
        "getBatchDeviceDataStreams",
        "400",
        "deviceIds is a required int32 array of at most 10 (maxItems); the spec lists no 400 "
        "for breaking that, and ignoring the bad ids would accept invalid input",
    ),
]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


def spec_with_deviations() -> dict[str, Any]:
    spec = copy.deepcopy(json.loads(OPENAPI.read_text()))
    for path_item in spec["paths"].values():
        for operation in path_item.values():
            for operation_id, status, _reason in DEVIATIONS:
                if operation_id in ("*", operation["operationId"]):
                    operation["responses"].setdefault(status, ERROR_BODY)
    return spec


# The test sends a valid bearer token itself, so no Authorization header is generated
# (a negated one would be overwritten, and the case judged as if it had been sent).
CONFIG = schemathesis.Config.from_dict({"generation": {"with-security-parameters": False}})
SCHEMA = schemathesis.openapi.from_dict(spec_with_deviations(), config=CONFIG)
OPERATIONS = [
    (method.upper(), path)
    for path, path_item in SCHEMA.raw_schema["paths"].items()
    for method in path_item
]


@pytest.fixture(scope="module")
def cloud() -> Iterator[tuple[str, dict[str, str]]]:
    """The embedded cloud on loopback (rate limit off: the fuzzer is fast) and a token."""
    sim = BlynkSim(now=NOW)
    sim.rate_limit.configure(enabled=False)
    with sim.serve() as server:
        token = token_for(server.url, sim.client_id, sim.client_secret)["access_token"]
        yield server.url, {"Authorization": f"Bearer {token}"}


def test_the_spec_covers_the_eight_datastream_operations() -> None:
    assert len(OPERATIONS) == 8


@pytest.mark.parametrize("mode", ["positive", "negative"])
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_schemathesis(cloud: tuple[str, dict[str, str]], method: str, path: str, mode: str) -> None:
    base_url, auth = cloud
    operation = SCHEMA[path][method]
    strategy = operation.as_strategy(generation_mode=schemathesis.GenerationMode(mode))
    session = requests.Session()

    @settings(
        max_examples=EXAMPLES_PER_CASE,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: schemathesis.Case) -> None:
        response = case.call(base_url=base_url, session=session, headers=auth)
        case.validate_response(response, checks=CHECKS)

    try:
        run()
    finally:
        session.close()
