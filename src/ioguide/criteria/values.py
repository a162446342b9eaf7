"""Immutable values the response criteria read: a case (lesions declared at baseline, then timepoints).

Diameters are held as integer micrometres (``*_um``) so that every threshold comparison is exact integer
arithmetic (``10 x sum <= 7 x baseline``), as ``spec/response.md`` requires; input in millimetres is rounded to
the nearest micrometre, far below any reader's precision.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

Criteria = Literal["recist1.1", "irecist", "itrecist", "mrecist", "mesothelioma"]
CRITERIA: tuple[Criteria, ...] = ("recist1.1", "irecist", "itrecist", "mrecist", "mesothelioma")

NonTargetStatus = Literal["present", "absent", "increased", "unequivocal_progression", "not_evaluated"]
NON_TARGET_STATUSES: tuple[NonTargetStatus, ...] = (
    "present",
    "absent",
    "increased",
    "unequivocal_progression",
    "not_evaluated",
)
ScanReason = Literal["scheduled", "symptom"]
SdMinReference = Literal["baseline", "first_treatment"]
SD_MIN_REFERENCES: tuple[SdMinReference, ...] = ("baseline", "first_treatment")

#: RECIST 1.1 appendix (Eisenhauer 2009, "lesions too small to measure"): a lesion present but too small to
#: measure counts as 5 mm.
TOO_SMALL_UM = 5_000
UM_PER_MM = 1_000


def to_um(value_mm: float) -> int:
    """Millimetres to integer micrometres (round half away from zero)."""
    scaled = abs(value_mm) * UM_PER_MM
    whole = int(scaled + 0.5)
    return whole if value_mm >= 0 else -whole


@dataclass(frozen=True, slots=True)
class Settings:
    """Assessment settings; defaults are the spec's (RECIST 1.1 §4.6: confirmation after >= 4 weeks).

    The statistical analysis plan (SAP) options keep RECIST 1.1's behaviour by default (``docs/response.md``):
    ``sd_min_reference`` the date the SD minimum counts from (``"baseline"`` scan, or ``"first_treatment"``: the
    case's ``treatment_start``; RECIST 1.1 §4.6.1 leaves the minimum interval to the protocol, §4.6.3 measures
    SD from the start of treatment); ``confirmation_max_ne`` the most NE timepoints allowed between a CR/PR and its
    confirmation (None: no limit); ``sd_last_assessment_counts`` whether an SD seen only at the last assessment of
    the window counts; ``pr_after_cr_confirms`` whether a PR after a CR confirms it as PR (RECIST 1.1 Table 3:
    "CR, PR -> SD, PD or PR")."""

    require_confirmation: bool = True
    confirmation_min_days: int = 28
    sd_min_days: int = 42
    confirm_progression: bool = False
    sd_min_reference: SdMinReference = "baseline"
    confirmation_max_ne: int | None = None
    sd_last_assessment_counts: bool = True
    pr_after_cr_confirms: bool = True


@dataclass(frozen=True, slots=True)
class Lesion:
    """A lesion declared at baseline. ``injected_from`` is the date injection began (None: never injected)."""

    id: str
    role: Literal["target", "non_target"]
    organ: str
    nodal: bool = False
    injected_from: dt.date | None = None
    pleural: bool = False
    slice_position_um: int | None = None  # mesothelioma: the position of a pleural site's CT level (body axis)

    @property
    def organ_key(self) -> str:
        """The organ for per-organ limits: case-insensitive; all nodes are one organ (RECIST 1.1 §3.3)."""
        return "lymph node" if self.nodal else self.organ.strip().lower()

    def injected_at(self, date: dt.date) -> bool:
        return self.injected_from is not None and self.injected_from <= date


@dataclass(frozen=True, slots=True)
class NewLesion:
    """A new lesion seen at a timepoint, under a stable id across timepoints."""

    id: str
    organ: str
    nodal: bool = False
    diameter_um: int | None = None
    equivocal: bool = False
    increased: bool = False
    typical_hcc: bool = False

    @property
    def organ_key(self) -> str:
        return "lymph node" if self.nodal else self.organ.strip().lower()


@dataclass(frozen=True, slots=True)
class Timepoint:
    """One imaging timepoint. ``diameters_um`` is aligned with the case's targets (None = not evaluated);
    ``non_target`` with its non-targets. ``too_small`` names the targets recorded as too small to measure."""

    date: dt.date
    day: int
    reason: ScanReason
    diameters_um: tuple[int | None, ...]
    too_small: frozenset[str]
    non_target: tuple[NonTargetStatus, ...]
    new_lesions: tuple[NewLesion, ...]


@dataclass(frozen=True, slots=True)
class Case:
    """A validated case: targets and non-targets in declaration order, timepoints in date order;
    ``treatment_start`` the date of the first treatment when the case gives it."""

    criteria: Criteria
    settings: Settings
    targets: tuple[Lesion, ...]
    non_targets: tuple[Lesion, ...]
    timepoints: tuple[Timepoint, ...]
    settings_given: frozenset[str] = frozenset()
    treatment_start: dt.date | None = None
