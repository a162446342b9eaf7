"""Baseline rules per criterion: which targets are measurable, how many, how many per organ.

Sources:
- RECIST 1.1 §3.1-3.3 (Eisenhauer et al., Eur J Cancer 2009;45:228-47): non-nodal >= 10 mm long axis, node >= 15 mm
  short axis; at most 5 targets, at most 2 per organ; all nodes count as one organ (RECIST working group
  clarification on paired organs).
- itRECIST (Goldmacher et al., J Clin Oncol 2020;38:2667-76, Fig. 1): 1-5 injected and 1-5 non-injected targets, up to
  10 in all; RECIST 1.1's per-organ cap applied within each of the two groups.
- mRECIST (Lencioni & Llovet, Semin Liver Dis 2010;30:52-60, Table 1): RECIST 1.1 measurability and counts, on the
  arterially enhancing (viable) part; a lymph node at the porta hepatis is malignant only with a short axis of at
  least 2 cm (reactive nodes are common in cirrhosis), so a porta hepatis target node needs >= 20 mm.
- Modified RECIST 1.1 for pleural mesothelioma (Armato & Nowak, J Thorac Oncol 2018;13:1012-21): pleural thickness
  >= 7 mm perpendicular to the chest wall or mediastinum is measurable; up to 2 sites on each of up to 3 CT levels
  (6 pleural sites); non-pleural targets follow RECIST 1.1 (<= 5, <= 2 per organ). The levels are at least 1 cm
  apart: Byrne & Nowak, Ann Oncol 2004;15:257-60 (methods; the abstract says only "three separate levels"), as
  restated by the review of Picone et al., Cancer Control 2025;32:10732748241301901 ("3 separate levels at least
  1 cm apart"); Armato & Nowak 2018 keep the 2004 measurement scheme.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from ioguide.criteria.arithmetic import mm_text
from ioguide.criteria.values import Criteria, Lesion
from ioguide.errors import Problem

NON_NODAL_MIN_UM = 10_000  # RECIST 1.1 §3.1.1: long axis >= 10 mm (CT slice <= 5 mm)
NODAL_MIN_UM = 15_000  # RECIST 1.1 §3.1.1: node short axis >= 15 mm
PLEURAL_MIN_UM = 7_000  # Armato & Nowak 2018: minimally measurable pleural thickness 7 mm
PLEURAL_LEVEL_GAP_UM = 10_000  # Byrne & Nowak 2004 (restated by Picone 2025): levels >= 1 cm apart
PORTA_HEPATIS_NODE_MIN_UM = 20_000  # mRECIST (Lencioni & Llovet 2010): porta hepatis node malignant from 2 cm SA
MAX_TARGETS = 5  # RECIST 1.1 §3.3.1
MAX_PER_ORGAN = 2  # RECIST 1.1 §3.3.1
MAX_PLEURAL_SITES = 6  # Armato & Nowak 2018 (Byrne & Nowak 2004): 2 sites x 3 levels
MAX_PLEURAL_PER_LEVEL = 2
MAX_PLEURAL_LEVELS = 3


@dataclass(frozen=True, slots=True)
class Measurability:
    minimum_um: int
    rule: str


def measurability(criteria: Criteria, lesion: Lesion) -> Measurability:
    """The baseline measurability threshold for a target under ``criteria``, with the rule that sets it."""
    if lesion.pleural:
        return Measurability(PLEURAL_MIN_UM, "pleural thickness >= 7 mm (Armato & Nowak 2018)")
    if criteria == "mrecist" and lesion.nodal and is_porta_hepatis(lesion.organ):
        return Measurability(
            PORTA_HEPATIS_NODE_MIN_UM,
            "a porta hepatis node is malignant only with a short axis >= 20 mm (mRECIST, Lencioni & Llovet 2010)",
        )
    if lesion.nodal:
        return Measurability(NODAL_MIN_UM, "a target node needs a short axis >= 15 mm (RECIST 1.1 §3.1.1)")
    return Measurability(NON_NODAL_MIN_UM, "a non-nodal target needs a long axis >= 10 mm (RECIST 1.1 §3.1.1)")


def is_porta_hepatis(organ: str) -> bool:
    """``organ`` names the porta hepatis (case, spaces, hyphens and underscores ignored)."""
    return "".join(ch for ch in organ.lower() if ch.isalnum()) == "portahepatis"


def pleural_level_problems(pleural: Sequence[tuple[int, Lesion]]) -> list[Problem]:
    """Pleural levels that give their slice position (``slice_position_mm``): the sites of one level lie on one CT
    slice, and two levels closer than 1 cm are refused (Byrne & Nowak 2004, restated by Picone 2025)."""
    src = "Byrne & Nowak 2004; Armato & Nowak 2018"
    out: list[Problem] = []
    level_at: dict[str, tuple[int, int]] = {}  # level -> (position, index of the first site that gave it)
    for index, lesion in pleural:
        if lesion.slice_position_um is None:
            continue
        known = level_at.get(lesion.organ_key)
        if known is None:
            level_at[lesion.organ_key] = (lesion.slice_position_um, index)
        elif known[0] != lesion.slice_position_um:
            out.append(
                Problem(
                    f"lesions[{index}].slice_position_mm",
                    f"{mm_text(lesion.slice_position_um)} mm differs from {mm_text(known[0])} mm given for level "
                    f"'{lesion.organ_key}' at lesions[{known[1]}]: the sites of a level lie on one CT slice ({src})",
                )
            )
    levels = sorted(level_at.items(), key=lambda item: item[1][0])
    for (name_a, (pos_a, _)), (name_b, (pos_b, index_b)) in pairwise(levels):
        if pos_b - pos_a < PLEURAL_LEVEL_GAP_UM:
            out.append(
                Problem(
                    f"lesions[{index_b}].slice_position_mm",
                    f"level '{name_b}' at {mm_text(pos_b)} mm is {mm_text(pos_b - pos_a)} mm from level '{name_a}' at "
                    f"{mm_text(pos_a)} mm: pleural measurement levels must be at least 10 mm (1 cm) apart ({src})",
                )
            )
    return out


def _cap(group: Sequence[tuple[int, Lesion]], limit: int, what: str, source: str) -> list[Problem]:
    if len(group) <= limit:
        return []
    first_extra = group[limit][0]
    return [Problem(f"lesions[{first_extra}]", f"{len(group)} {what}: at most {limit} ({source})")]


def _per_organ(group: Sequence[tuple[int, Lesion]], what: str, source: str) -> list[Problem]:
    counts: Counter[str] = Counter()
    out: list[Problem] = []
    for index, lesion in group:
        counts[lesion.organ_key] += 1
        if counts[lesion.organ_key] == MAX_PER_ORGAN + 1:
            out.append(
                Problem(
                    f"lesions[{index}]",
                    f"more than {MAX_PER_ORGAN} {what} in organ '{lesion.organ_key}' ({source})",
                )
            )
    return out


def target_count_problems(
    criteria: Criteria, targets: Sequence[tuple[int, Lesion]], baseline: dt.date
) -> list[Problem]:
    """Count limits on baseline targets (``targets`` pairs each lesion with its index in ``lesions[]``)."""
    if criteria == "itrecist":
        injected = [(i, t) for i, t in targets if t.injected_at(baseline)]
        non_injected = [(i, t) for i, t in targets if not t.injected_at(baseline)]
        return itrecist_count_problems(injected, non_injected)
    if criteria == "mesothelioma":
        src = "modified RECIST 1.1 for mesothelioma, Armato & Nowak 2018"
        pleural = [(i, t) for i, t in targets if t.pleural]
        other = [(i, t) for i, t in targets if not t.pleural]
        out = _cap(pleural, MAX_PLEURAL_SITES, "pleural sites", src)
        levels: Counter[str] = Counter()
        for index, lesion in pleural:
            levels[lesion.organ_key] += 1
            if levels[lesion.organ_key] == MAX_PLEURAL_PER_LEVEL + 1:
                out.append(
                    Problem(
                        f"lesions[{index}]",
                        f"more than {MAX_PLEURAL_PER_LEVEL} pleural sites on level '{lesion.organ_key}' ({src})",
                    )
                )
        if len(levels) > MAX_PLEURAL_LEVELS:
            index = next(i for i, t in pleural if t.organ_key == list(levels)[MAX_PLEURAL_LEVELS])
            out.append(
                Problem(f"lesions[{index}]", f"{len(levels)} pleural levels: at most {MAX_PLEURAL_LEVELS} ({src})")
            )
        out += pleural_level_problems(pleural)
        out += _cap(other, MAX_TARGETS, "non-pleural targets", src)
        out += _per_organ(other, "non-pleural targets", src)
        return out
    src = "RECIST 1.1 §3.3.1"
    return _cap(targets, MAX_TARGETS, "targets", src) + _per_organ(targets, "targets", src)


def itrecist_count_problems(
    injected: Sequence[tuple[int, Lesion]], non_injected: Sequence[tuple[int, Lesion]]
) -> list[Problem]:
    """itRECIST (Goldmacher 2020, Fig. 1): up to 5 injected and 5 non-injected targets, <= 2 per organ in each."""
    src = "itRECIST, Goldmacher 2020"
    return (
        _cap(injected, MAX_TARGETS, "injected targets", src)
        + _per_organ(injected, "injected targets", src)
        + _cap(non_injected, MAX_TARGETS, "non-injected targets", src)
        + _per_organ(non_injected, "non-injected targets", src)
    )
