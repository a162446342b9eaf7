"""Which response criteria a patient's disease allows: the choice offered when a patient is enrolled.

- RECIST 1.1 (Eisenhauer et al., Eur J Cancer 2009;45:228-47) applies to solid tumours in general, and so do
  iRECIST (Seymour et al., Lancet Oncol 2017;18:e143-52) and itRECIST (Goldmacher et al., J Clin Oncol
  2020;38:2667-76), which are built on it.
- mRECIST (Lencioni & Llovet, Semin Liver Dis 2010;30:52-60) measures the *viable* (arterially enhancing) part of
  hepatocellular carcinoma: it is defined for HCC only, so it is offered only when the disease is HCC.
- Modified RECIST 1.1 for mesothelioma (Armato & Nowak, J Thorac Oncol 2018;13:1012-21) measures pleural
  thickness: it is offered only for pleural mesothelioma, or when the patient has pleural disease.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from ioguide.criteria.values import CRITERIA, Criteria

Disease = Literal["solid_tumour", "melanoma", "hcc", "pleural_mesothelioma", "other"]
DISEASES: dict[Disease, str] = {
    "solid_tumour": "solid tumour (other than below)",
    "melanoma": "melanoma",
    "hcc": "hepatocellular carcinoma (HCC)",
    "pleural_mesothelioma": "pleural mesothelioma",
    "other": "other",
}
_GENERAL: tuple[Criteria, ...] = ("recist1.1", "irecist", "itrecist")


@dataclass(frozen=True, slots=True)
class Offered:
    """The criteria a disease allows, with one reason per criterion left out."""

    criteria: tuple[Criteria, ...]
    reasons: tuple[str, ...]


def offered_criteria(disease: Disease, organs: Iterable[str] = ()) -> Offered:
    """The criteria to offer for ``disease`` and the organs with disease (case-insensitive organ names)."""
    pleural = disease == "pleural_mesothelioma" or any(o.strip().lower() == "pleura" for o in organs)
    chosen: list[Criteria] = list(_GENERAL)
    reasons: list[str] = []
    if disease == "hcc":
        chosen.append("mrecist")
    else:
        reasons.append("mRECIST is defined for hepatocellular carcinoma only (Lencioni & Llovet 2010)")
    if pleural:
        chosen.append("mesothelioma")
    else:
        reasons.append("modified RECIST for mesothelioma needs pleural disease (Armato & Nowak 2018)")
    return Offered(tuple(c for c in CRITERIA if c in chosen), tuple(reasons))
