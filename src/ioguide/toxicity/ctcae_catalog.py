"""The whole CTCAE term table as NCI publishes it (``data/ctcae/ctcae_v5.0.csv``): 837 terms, each with its
MedDRA code, MedDRA system organ class, the wording of every grade that exists and NCI's definition.

Source: NCI CTCAE v5.0 (27 Nov 2017), "CTCAE v5.0 Clean Copy" sheet (public domain); file and checksum named in
``data/ctcae/sources.yaml``. A file whose SHA-256 differs from the recorded one is refused (a packaging error, not
the user's input). Any term of the table can be recorded with a clinician-chosen grade; the laboratory terms ioguide
computes from values live in ``v5.yaml`` / ``v6.yaml`` (:mod:`ctcae_tables`).
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from types import MappingProxyType

import yaml
from pydantic import BaseModel, ConfigDict

#: CTCAE prints "-" where a grade does not exist for a term (e.g. no grade 5 for "Alanine aminotransferase increased").
NO_GRADE = "-"


class CatalogSource(BaseModel):
    """One shipped term table: its file, the SHA-256 it must have, how many terms it holds, and where it is from."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    file: str
    sha256: str
    terms: int
    source: str


class CatalogSources(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    catalogs: dict[str, CatalogSource]


class Alias(BaseModel):
    """A word clinicians use that is not a CTCAE term name, with the CTCAE terms to choose from."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    note: str
    terms: tuple[str, ...]


class Aliases(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    aliases: dict[str, Alias]


@cache
def load_aliases() -> Aliases:
    """``data/ctcae/aliases.yaml``: suggestions only, never a silent substitution of one term for another."""
    path = resources.files("ioguide").joinpath("data", "ctcae", "aliases.yaml")
    return Aliases.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def _us_spelling(text: str) -> str:
    """CTCAE spells the American way: haemorrhage -> hemorrhage, oedema -> edema, diarrhoea -> diarrhea."""
    return text.lower().replace("ae", "e").replace("oe", "e")


@dataclass(frozen=True, slots=True)
class CatalogTerm:
    """One CTCAE term: ``key`` is its name in snake case (``Rash maculo-papular`` -> ``rash_maculo_papular``)."""

    key: str
    meddra_code: int
    soc: str
    name: str
    grades: tuple[tuple[int, str], ...]
    definition: str | None
    navigational_note: str | None

    def grade_text(self, grade: int) -> str | None:
        """NCI's wording of ``grade`` for this term, or None where CTCAE has no such grade ("-")."""
        return dict(self.grades).get(grade)


@dataclass(frozen=True, slots=True, eq=False)
class Catalog:
    """A CTCAE version's term table with look-ups by key, by name (any case) and by MedDRA code (the indexes are
    built once, when the table is read)."""

    version: str
    source: str
    terms: tuple[CatalogTerm, ...]
    by_key: Mapping[str, CatalogTerm] = field(default_factory=dict, repr=False)
    by_code: Mapping[int, CatalogTerm] = field(default_factory=dict, repr=False)

    def find(self, term: str | int) -> CatalogTerm | None:
        """The term named by its key, its CTCAE name (any case or punctuation) or its MedDRA code."""
        if isinstance(term, int) or (isinstance(term, str) and term.strip().isdigit()):
            return self.by_code.get(int(term))
        return self.by_key.get(term_key(term))

    def suggest(self, term: str, limit: int = 5) -> tuple[list[str], str | None]:
        """The CTCAE names to offer for an unknown ``term``, and a note when it is a known clinical word that is not
        a CTCAE term (``aliases.yaml``): the alias's terms first, then names holding most of its words (a word
        counts half when only its first six letters match: "platelets" finds "Platelet count decreased"), then
        the closest spellings."""
        wanted = _us_spelling(term.replace("_", " ").strip())
        alias = load_aliases().aliases.get(wanted)
        names = [t.name for t in self.terms]
        found = list(alias.terms) if alias else []
        words = [w for w in re.split(r"[^a-z0-9]+", wanted) if len(w) >= 4]

        def score(name: str) -> int:
            lower = name.lower()
            return sum(2 if w in lower else 1 if w[:6] in lower else 0 for w in words)

        scored = sorted((-score(n), i, n) for i, n in enumerate(names) if n not in found and score(n) > 0)
        found += [n for _, _, n in scored]
        lowered = {name.lower(): name for name in names}
        close = difflib.get_close_matches(wanted, list(lowered), n=limit, cutoff=0.6)
        found += [lowered[c] for c in close if lowered[c] not in found]
        return found[: max(limit, len(alias.terms) if alias else 0)], alias.note if alias else None

    def search(self, text: str) -> list[CatalogTerm]:
        """Terms whose name, key, system organ class or MedDRA code contains ``text`` (case-insensitive)."""
        needle = text.strip().lower()
        return [
            t
            for t in self.terms
            if needle in t.name.lower() or needle in t.key or needle in t.soc.lower() or needle in str(t.meddra_code)
        ]


@lru_cache(maxsize=4096)
def term_key(name: str) -> str:
    """The snake-case key of a CTCAE term name: lower case, every run of other characters one underscore."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


@cache
def catalog_sources() -> CatalogSources:
    path = resources.files("ioguide").joinpath("data", "ctcae", "sources.yaml")
    return CatalogSources.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def catalog_versions() -> tuple[str, ...]:
    return tuple(catalog_sources().catalogs)


@cache
def load_catalog(version: str = "5.0") -> Catalog:
    """Read NCI's term table for ``version`` after checking its SHA-256 against ``sources.yaml``."""
    sources = catalog_sources().catalogs
    if version not in sources:
        raise ValueError(f"no CTCAE v{version} term table is shipped; known: {', '.join(sources)}")
    entry = sources[version]
    raw = resources.files("ioguide").joinpath("data", "ctcae", entry.file).read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != entry.sha256:
        raise RuntimeError(f"{entry.file}: SHA-256 {digest} differs from the recorded {entry.sha256}")
    terms = tuple(_row_term(row) for row in csv.DictReader(io.StringIO(raw.decode("utf-8"))))
    if len(terms) != entry.terms or len({t.key for t in terms}) != len(terms):
        raise RuntimeError(f"{entry.file}: expected {entry.terms} distinct terms, read {len(terms)}")
    by_key = MappingProxyType({t.key: t for t in terms})
    by_code = MappingProxyType({t.meddra_code: t for t in terms})
    return Catalog(version, entry.source, terms, by_key, by_code)


def _row_term(row: dict[str, str]) -> CatalogTerm:
    grades = tuple((g, text) for g in range(1, 6) if (text := row[f"Grade {g}"].strip()) and text != NO_GRADE)
    definition = row["Definition"].strip()
    note = row["Navigational Note"].strip()
    return CatalogTerm(
        key=term_key(row["CTCAE Term"]),
        meddra_code=int(row["MedDRA Code"]),
        soc=row["MedDRA SOC"].strip(),
        name=row["CTCAE Term"].strip(),
        grades=grades,
        definition=definition if definition and definition != NO_GRADE else None,
        navigational_note=note or None,
    )
