"""A lesion's organ text as SDTM location qualifiers: TULOC, TULAT, TUDIR, TUPORTOT (SDTMIG 3.4 §6.3.5.10).

The terms come from the shipped CDISC codelists LOC (C74456), LAT (C99073), DIR (C99074) and PORTOT (C99075)
(``ct``). The organ is read word by word: laterality words (``left``, ``right``, ``bilateral``) give TULAT,
direction words that are DIR terms (``upper``, ``lower``, ``anterior``, ...) give TUDIR, portion words that are
PORTOT terms (``entire``, ``partial``, ...) give TUPORTOT; the rest is looked up as a LOC submission value, then as
a LOC synonym, then through :data:`ALIASES` (ioguide's own organ names that are not LOC terms, e.g. ``subcutaneous``
is the LOC term SUBCUTIS). A trailing plural ``s`` is dropped (``lungs``). ``pleura level N`` (mesothelioma
thickness sites, Armato & Nowak 2018) is the pleura.

An organ that does not map is not an error: TULOC carries the text as entered (upper case, as SDTM text results)
and ``mapped`` is false, so the export notes it in SUPPTU (``TULOCNCT``) for the sponsor's data manager.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from ioguide.interop.ct import terminology

#: ioguide organ names (``planning/injectability.yaml`` sites, the demo and the case examples) that are not
#: themselves LOC submission values or synonyms -> the LOC term.
ALIASES: dict[str, str] = {
    "adrenal": "ADRENAL GLAND",
    "cutaneous": "SKIN",
    "subcutaneous": "SUBCUTIS",
    "subcutaneous tissue": "SUBCUTIS",
    "node": "LYMPH NODE",
    "nodal": "LYMPH NODE",
    "pleural": "PLEURA",
    "pleural effusion": "PLEURA",
    "hepatic": "LIVER",
    "pulmonary": "LUNG",
    "renal": "KIDNEY",
    "splenic": "SPLEEN",
    "peritoneal": "PERITONEUM",
    "osseous": "BONE",
}
LATERALITY = {"left": "LEFT", "right": "RIGHT", "bilateral": "BILATERAL", "both": "BILATERAL"}


@dataclass(frozen=True, slots=True)
class Location:
    loc: str
    lat: str | None = None
    dir: str | None = None
    portot: str | None = None
    mapped: bool = True


@cache
def _loc_index() -> dict[str, str]:
    """Lower-case submission values and synonyms -> LOC submission value (a submission value wins a clash)."""
    loc = terminology()["LOC"]
    index: dict[str, str] = {}
    for term in loc.terms.values():
        for synonym in term.synonyms:
            index.setdefault(synonym.lower(), term.value)
    index |= {value.lower(): value for value in loc.terms}
    return index


def _lookup(words: list[str]) -> str | None:
    index = _loc_index()
    text = " ".join(words)
    for candidate in (text, text[:-1] if text.endswith("s") else None):
        if candidate:
            hit = index.get(candidate) or index.get(ALIASES.get(candidate, "").lower())
            if hit:
                return hit
    return None


@cache
def location_for(organ: str) -> Location:
    """The SDTM location of a case's organ text (see the module docstring)."""
    words = re.sub(r"[_,;/]+", " ", organ.lower()).split()
    if len(words) >= 2 and words[0] == "pleura" and words[1] == "level":
        words = ["pleura"]
    lists = terminology()
    directions = {v.lower(): v for v in lists["DIR"].terms if " " not in v}
    portions = {v.lower(): v for v in lists["PORTOT"].terms}
    lat = direction = portot = None
    rest: list[str] = []
    for word in words:
        if word in LATERALITY and lat is None:
            lat = LATERALITY[word]
        elif word in directions and direction is None and len(words) > 1:
            direction = directions[word]
        elif word in portions and portot is None and len(words) > 1:
            portot = portions[word]
        else:
            rest.append(word)
    loc = _lookup(rest) if rest else None
    if loc is None:
        whole = _lookup(words)  # a LOC term that itself holds a qualifier word ("LEFT VENTRICLE")
        if whole is not None:
            return Location(whole)
        return Location(" ".join(organ.upper().split()), mapped=False)
    return Location(loc, lat, direction, portot)
