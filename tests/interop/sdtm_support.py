"""Helpers of the SDTM / ADaM tests: the demo program as a study export input, and a written export package."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from ioguide.interop.inputs import StudyExport


def demo_program_input() -> dict[str, Any]:
    """The demo program (``ioguide.demo.program``, six patients) as a study export input (a deep copy: tests may
    change it)."""
    from ioguide.demo.program import PATIENTS
    from ioguide.services.exports import procedure_input

    patients = []
    for item in PATIENTS:
        person = item["patient"]
        patients.append(
            {
                "study": "HIT-IT-DEMO", "subject": person["study_id"], "birth_year": person["birth_year"],
                "sex": person["sex"], "case": copy.deepcopy(item["case"]),
                "procedures": [procedure_input(p) for p in item["procedures"]],
            }
        )  # fmt: skip
    return {"study": "HIT-IT-DEMO", "patients": patients}


class Package:
    """One written export: the input, the datasets (SDTM and ADaM) and the folder of files."""

    def __init__(self, study: StudyExport, out: Path) -> None:
        from ioguide.interop.files import write_study
        from ioguide.interop.sdtm import SdtmOptions

        self.study = study
        self.out = out
        self.datasets, self.files = write_study(study, out, SdtmOptions(site_id="01", country="FRA"))
