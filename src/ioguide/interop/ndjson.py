"""FHIR bulk data output (HL7 FHIR Bulk Data Access IG v2.0.0, "Bulk Data Output File Request"): one
newline-delimited JSON file per resource type, one resource per line, references between resources written as
``Type/id`` (a bulk file has no Bundle, so the Bundle's ``urn:uuid:`` full URLs cannot be resolved)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

#: Media type of a bulk data output file (FHIR Bulk Data Access IG v2.0.0).
NDJSON_MEDIA_TYPE = "application/fhir+ndjson"


def _relink(value: Any, types: dict[str, str]) -> Any:
    if isinstance(value, dict):
        out = {key: _relink(item, types) for key, item in value.items()}
        reference = out.get("reference")
        if isinstance(reference, str) and reference.startswith("urn:uuid:"):
            target = reference.removeprefix("urn:uuid:")
            if target not in types:
                raise ValueError(f"reference {reference} names no resource of the bundle")
            out["reference"] = f"{types[target]}/{target}"
        return out
    if isinstance(value, list):
        return [_relink(item, types) for item in value]
    return value


def bulk_lines(bundle: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """``(resource type, NDJSON line without its newline)`` for every resource of a ``collection`` Bundle."""
    resources = [entry["resource"] for entry in bundle["entry"]]
    types = {resource["id"]: resource["resourceType"] for resource in resources}
    for resource in resources:
        line = json.dumps(_relink(resource, types), ensure_ascii=False, separators=(",", ":"))
        yield resource["resourceType"], line
