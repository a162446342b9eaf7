"""ADaM datasets (ADSL, ADRS, ADTTE) derived from the SDTM datasets of the same export, as a sponsor's pipeline
derives them from ioguide's SDTM (``adam_adsl``, ``adam_adrs``, ``adam_adtte``); Define-XML by ``define`` with
the ADaMIG 1.3 standard. Checked against the SAS XPORT v5 limits like SDTM (``sdtm.check_limits``).
"""

from __future__ import annotations

from ioguide.errors import InputError
from ioguide.interop.adam_adrs import AdrsOptions, adrs_rows
from ioguide.interop.adam_adsl import adsl_rows
from ioguide.interop.adam_adtte import adtte_rows
from ioguide.interop.adam_variables import ADAM_DOMAINS
from ioguide.interop.sdtm import check_limits
from ioguide.interop.sdtm_rows import Dataset, dataset


def adam_datasets(sdtm: dict[str, Dataset], options: AdrsOptions | None = None) -> dict[str, Dataset]:
    options = options or AdrsOptions()
    adsl = adsl_rows(sdtm)
    adrs = adrs_rows(sdtm["RS"], adsl, options)
    adtte = adtte_rows(adrs, adsl, options)
    tables = {"ADSL": adsl, "ADRS": adrs, "ADTTE": adtte}
    problems = [p for name, rows in tables.items() for p in check_limits(ADAM_DOMAINS[name], rows, "ADaM")]
    if problems:
        raise InputError(problems)
    return {name: dataset(ADAM_DOMAINS[name], rows) for name, rows in tables.items()}
