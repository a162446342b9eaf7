"""Row tables of the SDTM export: one domain's rows for one subject (--SEQ within USUBJID), SUPP-- records, the
finished :class:`Dataset`, and the collector of problems that lets one export report every bad value at once.

A problem names the dataset, the variable, the subject and the row (``SDTM TU.TULOC (row 3, USUBJID X)``) so a
data manager finds it; builders record problems and carry on, and the export raises one
:class:`~ioguide.errors.InputError` listing all of them before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ioguide.errors import Problem
from ioguide.interop.ct import terminology
from ioguide.interop.sdtm_variables import DOMAINS, Domain

Value = str | float | None


@dataclass(frozen=True, slots=True)
class Dataset:
    """One SDTM or ADaM dataset: its metadata and its rows, each a tuple in the domain's variable order."""

    domain: Domain
    rows: tuple[tuple[Value, ...], ...]

    def column(self, name: str) -> list[Value]:
        i = self.domain.names().index(name)
        return [row[i] for row in self.rows]

    def length(self, name: str) -> int:
        """The variable's length: longest value in bytes (at least 1), 8 for numbers."""
        if next(v.kind for v in self.domain.variables if v.name == name) == "Num":
            return 8
        return max([1, *(len(str(v).encode()) for v in self.column(name) if v is not None)])

    def records(self) -> list[dict[str, Value]]:
        names = self.domain.names()
        return [dict(zip(names, row, strict=True)) for row in self.rows]


def dataset(domain: Domain, rows: list[dict[str, Value]]) -> Dataset:
    names = domain.names()
    return Dataset(domain, tuple(tuple(row.get(name) for name in names) for row in rows))


def number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


@dataclass
class Problems:
    """Problems found while building the export, in the order found."""

    items: list[Problem] = field(default_factory=list)

    def add(self, where: str, message: str) -> None:
        self.items.append(Problem(where, message))


class Rows:
    """Collects one domain's rows for one subject; --SEQ counts within USUBJID (SDTMIG 3.4 §4.1.5). Values of a
    variable with a CDISC codelist that is not extensible, or a value not in an extensible one where ioguide
    chose the term, are recorded as problems (never written silently)."""

    def __init__(self, domain: str, study: str, usubjid: str, problems: Problems) -> None:
        self.domain = DOMAINS[domain]
        self.study = study
        self.usubjid = usubjid
        self.problems = problems
        self.rows: list[dict[str, Value]] = []

    def add(self, **values: Value) -> dict[str, Value]:
        row: dict[str, Value] = {"STUDYID": self.study, "DOMAIN": self.domain.name, "USUBJID": self.usubjid}
        row[f"{self.domain.name}SEQ"] = float(len(self.rows) + 1)
        row |= values
        unknown = set(row) - set(self.domain.names())
        if unknown:
            raise ValueError(f"{self.domain.name}: no variables {sorted(unknown)}")  # a programming error
        self.rows.append(row)
        return row

    def where(self, variable: str, row: int | None = None) -> str:
        n = len(self.rows) if row is None else row
        return f"SDTM {self.domain.name}.{variable} (row {n}, USUBJID {self.usubjid})"

    def supp(self, supp: Rows, parent: dict[str, Value], qnam: str, qlabel: str, qval: str) -> None:
        """One SUPP-- record qualifying ``parent`` by its --SEQ (SDTMIG 3.4 §8.4.1)."""
        name = self.domain.name
        supp.rows.append(
            {
                "STUDYID": self.study, "RDOMAIN": name, "USUBJID": self.usubjid, "IDVAR": f"{name}SEQ",
                "IDVARVAL": number_text(float(parent[f"{name}SEQ"] or 0)), "QNAM": qnam, "QLABEL": qlabel,
                "QVAL": qval, "QORIG": "COLLECTED",
            }
        )  # fmt: skip


def check_terms(
    domain: Domain,
    rows: list[dict[str, Value]],
    problems: Problems,
    extended: set[tuple[str, str]] | frozenset[tuple[str, str]] = frozenset(),
) -> None:
    """Every value of a variable bound to a CDISC codelist is a term of it, except the ``(codelist, value)`` pairs
    of ``extended``: an unmapped location that SUPPTU notes (LOC is extensible; the sponsor's data manager
    decides)."""
    ct = terminology()
    testcd = f"{domain.name}TESTCD"
    for var in domain.variables:
        if var.codelist is None:
            continue
        for n, row in enumerate(rows, start=1):
            value = row.get(var.name)
            name = var.codelist_for(row.get(testcd))
            if value is None or name is None or name not in ct.codelists:
                continue
            if value in ct[name] or (name, value) in extended:
                continue
            problems.add(
                f"SDTM {domain.name}.{var.name} (row {n}, USUBJID {row['USUBJID']})",
                f"{value!r} is not a term of the CDISC codelist {name} ({ct[name].code}, CT {ct.release})",
            )
