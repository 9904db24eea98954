"""Constants and helpers shared by the simulator tests (plain functions, no fixtures)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import jsonschema

NOW = "2026-11-20T12:00:00Z"
NOW_MS = 1_795_176_000_000
DAY_MS = 86_400_000
# The response schemas of the vendor's DataStreams OpenAPI document: structure only (types,
# required fields, limits), its prose left out.
OPENAPI = Path(__file__).with_name("blynk-datastreams-openapi.json")


def token_for(base_url: str, client_id: str, secret: str) -> dict[str, object]:
    """Run the client-credentials grant with HTTP Basic and return the token JSON."""
    reply = httpx.post(
        f"{base_url}/oauth2/token",
        params={"grant_type": "client_credentials"},
        auth=(client_id, secret),
    )
    assert reply.status_code == 200, reply.text
    data: dict[str, object] = reply.json()
    return data


def client_for(base_url: str, client_id: str, secret: str) -> httpx.Client:
    token = token_for(base_url, client_id, secret)["access_token"]
    return httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"})


def openapi_validator(path: str, method: str, status: str) -> jsonschema.Draft202012Validator:
    """A validator for one response schema of the vendor's DataStreams OpenAPI document."""
    spec = json.loads(OPENAPI.read_text())
    schema = spec["paths"][path][method]["responses"][status]["content"]["application/json"][
        "schema"
    ]
    wrapped = {**schema, "components": spec["components"]}
    return jsonschema.Draft202012Validator(_openapi_to_json_schema(wrapped))


def _openapi_to_json_schema(node: object) -> object:
    """Turn OpenAPI's ``format: int32``-style nodes into plain JSON Schema (refs kept)."""
    if isinstance(node, dict):
        return {k: _openapi_to_json_schema(v) for k, v in node.items() if k != "format"}
    if isinstance(node, list):
        return [_openapi_to_json_schema(v) for v in node]
    return node
