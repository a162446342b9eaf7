"""CDISC SDTM Controlled Terminology as shipped data (``data/cdisc/sdtm-ct.json``), read once.

The file is extracted by ``scripts/extract_cdisc_ct.py`` from NCI EVS's SDTM Terminology release (its date and the
SHA-256 of the source archive are in ``source``; the file's own checksum is in ``sdtm-ct.json.sha256``, both
checked by ``tests/interop/test_ct.py``). Source: CDISC Controlled Terminology, NCI EVS.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any


@dataclass(frozen=True, slots=True)
class Term:
    value: str
    code: str
    synonyms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Codelist:
    """One codelist: its submission value (``name``, e.g. ``LOC``), NCI code, label and terms."""

    name: str
    code: str
    label: str
    extensible: bool
    terms: dict[str, Term]

    def __contains__(self, value: object) -> bool:
        return value in self.terms


@dataclass(frozen=True, slots=True)
class Terminology:
    release: str
    publisher: str
    archive_sha256: str
    codelists: dict[str, Codelist]

    def __getitem__(self, name: str) -> Codelist:
        return self.codelists[name]

    def test_name(self, codes: str, names: str, value: str) -> str:
        """The --TEST of a --TESTCD: the term of codelist ``names`` with the same NCI code as ``value`` in ``codes``
        (paired codelists such as TRTESTCD / TRTEST share their terms' codes). ``KeyError`` for a code not in CT."""
        code = self.codelists[codes].terms[value].code
        return next(t.value for t in self.codelists[names].terms.values() if t.code == code)


def _codelist(name: str, raw: dict[str, Any]) -> Codelist:
    terms = {value: Term(value, code, tuple(synonyms)) for value, code, synonyms in raw["terms"]}
    return Codelist(name, raw["code"], raw["name"], raw["extensible"], terms)


@cache
def terminology() -> Terminology:
    """The shipped release (read from the package on first use)."""
    text = resources.files("ioguide").joinpath("data", "cdisc", "sdtm-ct.json").read_text(encoding="ascii")
    raw = json.loads(text)
    source = raw["source"]
    lists = {name: _codelist(name, item) for name, item in raw["codelists"].items()}
    return Terminology(source["release"], source["publisher"], source["archive_sha256"], lists)
