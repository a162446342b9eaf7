"""Form fields to the JSON documents the services take, and the services' problems back to form fields.

The pages send what the user typed, unchanged in meaning, so the response engine and the graders judge it with the
same rules and messages as the API: a diameter that is not a number is passed on as text and rejected there.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ioguide.errors import Problem

NEW_LESION_ROWS = 3
_TIMEPOINT_PREFIX = re.compile(r"^timepoints\[\d+\]\.?")


def _number(text: str) -> int | float | str:
    """A number when the text is one (``12``, ``12.5``, ``12,5``), else the text itself (the rules reject it)."""
    cleaned = text.strip().replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        return text.strip()
    if value != value or value in (float("inf"), float("-inf")):
        return text.strip()
    return int(value) if value.is_integer() else value


def diameter(text: str) -> int | float | str | None:
    """A target's entry: empty = not measured (left out), ``too small`` / ``NE`` keywords, else a number."""
    cleaned = text.strip().lower()
    if not cleaned:
        return None
    if cleaned in ("too small", "too_small", "ts"):
        return "too_small"
    if cleaned in ("ne", "not evaluated", "not_evaluated"):
        return "not_evaluated"
    return _number(text)


#: The questioned rules the timepoint form can accept, one checkbox each (``confirm_<rule>``).
CONFIRM_BOXES = ("replaces_baseline", "diameter_change")


def timepoint_document(form: Mapping[str, str], lesions: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``spec/response.md`` timepoint object the form describes."""
    doc: dict[str, Any] = {"date": form.get("date", "").strip()}
    if form.get("reason") == "symptom":
        doc["reason"] = "symptom"
    diameters: dict[str, Any] = {}
    non_target: dict[str, str] = {}
    for lesion in lesions:
        if lesion["role"] == "target":
            value = diameter(form.get(f"d_{lesion['id']}", ""))
            if value is not None:
                diameters[lesion["id"]] = value
        else:
            status = form.get(f"nt_{lesion['id']}", "")
            if status:
                non_target[lesion["id"]] = status
    doc["diameters_mm"] = diameters
    doc["non_target"] = non_target
    new = []
    for i in range(NEW_LESION_ROWS):
        label = form.get(f"new_id_{i}", "").strip()
        if not label:
            continue
        size = form.get(f"new_diameter_{i}", "").strip()
        item: dict[str, Any] = {
            "id": label,
            "organ": form.get(f"new_organ_{i}", "").strip(),
            "diameter_mm": _number(size) if size else None,
        }
        for flag in ("nodal", "equivocal", "increased"):
            if form.get(f"new_{flag}_{i}"):
                item[flag] = True
        new.append(item)
    doc["new_lesions"] = new
    confirm = [rule for rule in CONFIRM_BOXES if _flag(form, f"confirm_{rule}")]
    if confirm:
        doc["confirm"] = confirm
    return doc


def timepoint_form_values(doc: Mapping[str, Any], keep_new_diameters: bool = True) -> dict[str, str]:
    """Form field values that show a stored timepoint (to edit it, or to carry new lesions into the next one)."""
    values: dict[str, str] = {"date": str(doc.get("date", "")), "reason": str(doc.get("reason") or "scheduled")}
    for label, value in doc.get("diameters_mm", {}).items():
        values[f"d_{label}"] = (
            "too small" if value == "too_small" else "NE" if value == "not_evaluated" else f"{value:g}"
        )
    for label, status in doc.get("non_target", {}).items():
        values[f"nt_{label}"] = str(status)
    for i, item in enumerate(doc.get("new_lesions", [])[:NEW_LESION_ROWS]):
        values[f"new_id_{i}"] = str(item["id"])
        values[f"new_organ_{i}"] = str(item.get("organ", ""))
        if keep_new_diameters and item.get("diameter_mm") is not None:
            values[f"new_diameter_{i}"] = f"{item['diameter_mm']:g}"
        for flag in ("nodal", "equivocal", "increased"):
            if item.get(flag):
                values[f"new_{flag}_{i}"] = "on"
    return values


def timepoint_field(path: str) -> str:
    """The form field a timepoint problem belongs to (``diameters_mm.T1`` -> ``d_T1``); ``""`` for the form."""
    rest = _TIMEPOINT_PREFIX.sub("", path)
    if rest.startswith("diameters_mm."):
        return "d_" + rest.removeprefix("diameters_mm.")
    if rest.startswith("non_target."):
        return "nt_" + rest.removeprefix("non_target.")
    match = re.match(r"^new_lesions\[(\d+)\]\.?(\w*)", rest)
    if match:
        name = {"diameter_mm": "diameter", "id": "id", "organ": "organ"}.get(match.group(2), "id")
        return f"new_{name}_{match.group(1)}"
    if rest in ("date", "reason"):
        return rest
    if rest == "X-Reason":  # a correction (or a scan replacing the baseline) needs the reason for the change
        return "reason_for_change"
    return ""


def field_errors(problems: tuple[Problem, ...], to_field: Any) -> tuple[dict[str, list[str]], list[str]]:
    """Problems by form field (shown next to the input) and the rest (shown above the form)."""
    by_field: dict[str, list[str]] = {}
    general: list[str] = []
    for problem in problems:
        name = to_field(problem.field)
        if name:
            by_field.setdefault(name, []).append(problem.message)
        else:
            general.append(str(problem))
    return by_field, general


def _flag(form: Mapping[str, str], name: str) -> bool:
    return form.get(name, "") in ("on", "true", "yes", "1")


def _int_or_text(text: str) -> int | str | None:
    cleaned = text.strip()
    if not cleaned:
        return None
    value = _number(cleaned)
    return int(value) if isinstance(value, float) and value.is_integer() else value  # type: ignore[return-value]


def crs_document(form: Mapping[str, str]) -> dict[str, Any]:
    """The ``spec/toxicity.md`` CRS input the form describes."""
    doc: dict[str, Any] = {
        "hypotension": form.get("hypotension", "none"),
        "oxygen": form.get("oxygen", "none"),
        "fever_masked": _flag(form, "fever_masked"),
    }
    temp = form.get("temp_c", "").strip()
    if temp:
        doc["temp_c"] = _number(temp)
    flow = form.get("oxygen_flow_l_min", "").strip()
    if flow:
        doc["oxygen_flow_l_min"] = _number(flow)
    return doc


ICE_ITEMS = (
    ("orientation", "Orientation: year, month, city, hospital", 4),
    ("naming", "Naming three objects", 3),
    ("commands", "Following simple commands", 1),
    ("writing", "Writing a standard sentence", 1),
    ("attention", "Attention: count back from 100 by 10", 1),
)


def icans_document(form: Mapping[str, str]) -> dict[str, Any]:
    """The ``spec/toxicity.md`` ICANS input the form describes (ICE items when any is filled in)."""
    age = form.get("age_years", "").strip()
    doc: dict[str, Any] = {
        "age_years": _number(age) if age else None,
        "consciousness": form.get("consciousness", "awake"),
        "seizure": form.get("seizure", "none"),
        "motor_weakness": _flag(form, "motor_weakness"),
        "cerebral_edema": form.get("cerebral_edema", "none"),
    }
    if _flag(form, "developmental_delay"):
        doc["developmental_delay"] = True
    items = {name: _int_or_text(form.get(f"ice_{name}", "")) for name, _, _ in ICE_ITEMS}
    if form.get("assessment") == "capd":
        doc["capd_score"] = _int_or_text(form.get("capd_score", ""))
    elif any(v is not None for v in items.values()):
        doc["ice_items"] = {k: (0 if v is None else v) for k, v in items.items()}
    else:
        doc["ice_score"] = None
    return doc


def toxicity_field(path: str) -> str:
    """The form field of a grader problem (``ice_items.naming`` -> ``ice_naming``)."""
    rest = path.removeprefix("input.")
    if rest.startswith("ice_items."):
        return "ice_" + rest.removeprefix("ice_items.")
    return rest
