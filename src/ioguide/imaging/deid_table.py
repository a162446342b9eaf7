"""DICOM PS3.15 Table E.1-1 (Application Level Confidentiality Profile Attributes) as shipped data.

``ioguide/data/dicom/ps3.15-e.1-1.csv`` holds one row per attribute of the table: its tag (``(50xx,xxxx)`` for the
repeating groups), name, pydicom keyword, the action code of the Basic Profile column (``D``, ``Z``, ``X``, ``U``,
``Z/D``, ``X/Z``, ``X/D``, ``X/Z/D``, ``X/Z/U*``) and of each option column (``K`` keep, ``C`` clean). Its
provenance (DICOM edition, the packages it was read from, their licences) and SHA-256 are in
``ps3.15-e.1-1.source.json``; ``scripts/build_dicom_deid_table.py`` rebuilds both. Private attributes (odd
groups) are the table's last row, "X" in the Basic Profile: :mod:`ioguide.imaging.deidentify` removes them all.
"""

from __future__ import annotations

import csv
import functools
import io
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

#: The option columns of the table, as named in the CSV (PS3.15 Table E.1-1 headings "Rtn. ... Opt.").
OPTION_COLUMNS = (
    "rtn_safe_private",
    "rtn_uids",
    "rtn_device_identity",
    "rtn_institution_identity",
    "rtn_patient_characteristics",
    "rtn_long_full_dates",
    "rtn_long_modified_dates",
    "clean_descriptors",
    "clean_structured_content",
    "clean_graphics",
)
BASIC_CODES = frozenset({"D", "Z", "X", "U", "K", "Z/D", "X/Z", "X/D", "X/Z/D", "X/Z/U*"})


@dataclass(frozen=True)
class TableRow:
    """One attribute of Table E.1-1. ``mask`` selects the tag bits that must equal ``value`` (all of them except
    for the repeating groups ``50xx``/``60xx``); ``options_known`` is False for attributes added to the table after
    the edition the option columns were read from (no option is applied to them)."""

    tag: str
    name: str
    keyword: str
    basic: str
    options: tuple[tuple[str, str], ...]
    options_known: bool
    value: int
    mask: int

    def option(self, column: str) -> str:
        """The row's code in an option column (``""`` when the column is blank)."""
        return dict(self.options).get(column, "")


def _resource(name: str) -> bytes:
    return resources.files("ioguide").joinpath("data", "dicom", name).read_bytes()


def _parse_tag(tag: str) -> tuple[int, int]:
    digits = tag[1:5] + tag[6:10]
    value = int(digits.replace("x", "0"), 16)
    mask = int("".join("0" if c == "x" else "F" for c in digits), 16)
    return value, mask


@functools.cache
def table_source() -> dict[str, Any]:
    """The provenance of the shipped table (``ps3.15-e.1-1.source.json``)."""
    loaded: dict[str, Any] = json.loads(_resource("ps3.15-e.1-1.source.json"))
    return loaded


@functools.cache
def profile_table() -> tuple[TableRow, ...]:
    """Every row of the shipped Table E.1-1, in tag order."""
    rows = []
    for line in csv.DictReader(io.StringIO(_resource("ps3.15-e.1-1.csv").decode("utf-8"))):
        if line["basic_profile"] not in BASIC_CODES:
            raise ValueError(f"{line['tag']}: unknown Basic Profile action {line['basic_profile']!r}")
        value, mask = _parse_tag(line["tag"])
        rows.append(
            TableRow(
                tag=line["tag"],
                name=line["name"],
                keyword=line["keyword"],
                basic=line["basic_profile"],
                options=tuple((c, line[c]) for c in OPTION_COLUMNS if line[c]),
                options_known=line["options_known"] == "Y",
                value=value,
                mask=mask,
            )
        )
    return tuple(rows)


@functools.cache
def _index() -> tuple[dict[int, TableRow], tuple[TableRow, ...]]:
    exact = {r.value: r for r in profile_table() if r.mask == 0xFFFFFFFF}
    return exact, tuple(r for r in profile_table() if r.mask != 0xFFFFFFFF)


def row_for(tag: int) -> TableRow | None:
    """The table's row for a tag (a repeating-group row matches every tag of its groups), or None."""
    exact, masked = _index()
    found = exact.get(tag)
    if found is not None:
        return found
    return next((r for r in masked if tag & r.mask == r.value), None)
