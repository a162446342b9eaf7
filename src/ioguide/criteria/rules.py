"""The variants of the RECIST 1.1 machinery, as data: which thresholds and which new-lesion rule apply.

- RECIST 1.1: Eisenhauer et al., Eur J Cancer 2009;45:228-47 (§4.3 response, Tables 1-3).
- mRECIST for HCC: Lencioni & Llovet, Semin Liver Dis 2010;30:52-60 (Table 1: viable, arterially enhancing
  diameters; PD is a >= 20 % increase over the nadir with no 5 mm clause; a new liver lesion counts when it is
  >= 10 mm with the typical HCC pattern, arterial hyperenhancement with washout).
- Modified RECIST 1.1 for pleural mesothelioma: Armato & Nowak, J Thorac Oncol 2018;13:1012-21 (pleural thickness
  sites and non-pleural targets in one sum; RECIST 1.1 thresholds including the 5 mm clause).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ioguide.criteria.values import Criteria


@dataclass(frozen=True, slots=True)
class Rules:
    """One variant: the labels its reasons cite and the switches that differ between variants."""

    target_src: str
    non_target_src: str
    new_src: str
    table_src: str
    bor_src: str
    absolute_increase: bool
    new_lesion_rule: Literal["recist", "mrecist"]
    backdate_equivocal: bool
    sum_label: str = "sum"


RECIST11 = Rules(
    target_src="RECIST 1.1 §4.3.1",
    non_target_src="RECIST 1.1 §4.3.3",
    new_src="RECIST 1.1 §4.3.5",
    table_src="RECIST 1.1 Table 1",
    bor_src="RECIST 1.1",
    absolute_increase=True,
    new_lesion_rule="recist",
    backdate_equivocal=True,
)

MRECIST = Rules(
    target_src="mRECIST (Lencioni & Llovet 2010, Table 1)",
    non_target_src="mRECIST (Lencioni & Llovet 2010, Table 1)",
    new_src="mRECIST (Lencioni & Llovet 2010, new lesions)",
    table_src="mRECIST (Lencioni & Llovet 2010, Table 3)",
    bor_src="mRECIST (RECIST 1.1 conventions)",
    absolute_increase=False,
    new_lesion_rule="mrecist",
    backdate_equivocal=False,
    sum_label="sum of viable (arterially enhancing) diameters",
)

MESOTHELIOMA = Rules(
    target_src="modified RECIST 1.1 for mesothelioma (Armato & Nowak 2018)",
    non_target_src="modified RECIST 1.1 for mesothelioma (Armato & Nowak 2018)",
    new_src="modified RECIST 1.1 for mesothelioma (Armato & Nowak 2018)",
    table_src="RECIST 1.1 Table 1 (Armato & Nowak 2018)",
    bor_src="modified RECIST 1.1 for mesothelioma",
    absolute_increase=True,
    new_lesion_rule="recist",
    backdate_equivocal=True,
    sum_label="total tumour measurement (pleural thickness + non-pleural diameters)",
)


def rules_for(criteria: Criteria) -> Rules:
    """The variant whose thresholds a criterion uses (iRECIST and itRECIST build on RECIST 1.1)."""
    if criteria == "mrecist":
        return MRECIST
    if criteria == "mesothelioma":
        return MESOTHELIOMA
    return RECIST11
