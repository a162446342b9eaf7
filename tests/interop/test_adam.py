"""ADaM derivation options (``AdrsOptions``), each on the smallest sequence where it changes the result, with
admiralonco's argument it mirrors (``derive_param_confirmed_bor``: ref_confirm, ref_start_window, max_nr_ne,
accept_sd; reference_date); ADSL, ADRS parameters and ADTTE of the demo program."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sdtm_support import Package

from ioguide.interop.adam_adrs import AdrsOptions, Response, best_response

START = dt.date(2026, 1, 1)


def _seq(*items: tuple[int, str]) -> list[Response]:
    return [Response(START + dt.timedelta(days=d), code, {}) for d, code in items]


def _cbor(records: list[Response], options: AdrsOptions, reference: dt.date = START) -> str:
    return best_response(records, reference, options, confirm=True)[0]


def test_max_ne_between_limits_the_ne_between_a_response_and_its_confirmation() -> None:
    """max_nr_ne (admiralonco default 1): two NE between a PR and its confirming PR break it."""
    records = _seq((56, "PR"), (84, "NE"), (112, "NE"), (140, "PR"))
    assert _cbor(records, AdrsOptions()) == "SD"
    assert _cbor(records, AdrsOptions(max_ne_between=2)) == "PR"
    assert _cbor(records, AdrsOptions(max_ne_between=None)) == "PR"


def test_pr_after_cr_decides_whether_cr_then_pr_is_a_confirmed_pr() -> None:
    """RECIST 1.1 §4.4.1 (a CR followed by a PR is a confirmed PR) vs admiralonco (a data issue: no confirmation)."""
    records = _seq((56, "CR"), (112, "PR"))
    assert _cbor(records, AdrsOptions()) == "SD"
    assert _cbor(records, AdrsOptions(pr_after_cr=True)) == "PR"
    # and a PR confirmed across a CR that a PR follows (PR, CR, PR >= 28 days): only with the option
    records = _seq((56, "PR"), (70, "CR"), (112, "PR"))
    assert _cbor(records, AdrsOptions()) == "SD"
    assert _cbor(records, AdrsOptions(pr_after_cr=True)) == "PR"


def test_sd_reference_is_treatment_start_or_the_baseline_scan() -> None:
    """ref_start_window 42 days: an SD 40 days after treatment start but 54 after the baseline scan."""
    records = _seq((40, "SD"))
    assert _cbor(records, AdrsOptions()) == "NE"
    baseline = START - dt.timedelta(days=14)
    assert _cbor(records, AdrsOptions(sd_reference="baseline_scan"), baseline) == "SD"
    assert best_response(records, None, AdrsOptions(), True)[0] == "NE"  # no reference date: no SD, no guess


def test_accept_sd_allows_one_sd_between_a_pr_and_its_confirmation() -> None:
    records = _seq((56, "PR"), (84, "SD"), (112, "PR"))
    assert _cbor(records, AdrsOptions()) == "SD"
    assert _cbor(records, AdrsOptions(accept_sd=True)) == "PR"


def test_sd_last_counts_decides_an_sd_that_is_the_last_assessment() -> None:
    records = _seq((30, "NE"), (60, "SD"))
    assert _cbor(records, AdrsOptions()) == "SD"
    assert _cbor(records, AdrsOptions(sd_last_counts=False)) == "NE"


def test_confirmation_needs_the_minimum_interval_and_progression_ends_the_window() -> None:
    """ref_confirm 28 days; observations after the first PD do not count (admiralonco source_pd)."""
    assert _cbor(_seq((56, "CR"), (70, "CR")), AdrsOptions()) == "SD"
    assert _cbor(_seq((56, "CR"), (84, "CR")), AdrsOptions()) == "CR"
    assert _cbor(_seq((56, "PD"), (84, "CR"), (112, "CR")), AdrsOptions()) == "PD"
    assert best_response([], START, AdrsOptions(), True)[0] == "MISSING"
    assert best_response([], START, AdrsOptions(missing_as_ne=True), True)[0] == "NE"


@pytest.fixture(scope="module")
def demo(packages: dict[str, Package]) -> dict[str, pd.DataFrame]:
    package = packages["demo"]
    return {name: pd.DataFrame(package.datasets[name].records()) for name in ("ADSL", "ADRS", "ADTTE", "DM")}


def test_adsl_has_one_record_per_subject_with_treatment_and_baseline_dates(demo: dict[str, pd.DataFrame]) -> None:
    adsl = demo["ADSL"]
    assert list(adsl.USUBJID) == list(demo["DM"].USUBJID)
    it001 = adsl[adsl.USUBJID == "HIT-IT-DEMO-IT-001"].iloc[0]
    epoch = dt.date(1960, 1, 1)
    assert epoch + dt.timedelta(days=int(it001.TRTSDT)) == dt.date(2026, 1, 5)
    assert it001.TRT01A == "TALIMOGENE_LAHERPAREPVEC" and it001.SAFFL == "Y"


def test_adrs_carries_the_itrecist_subsets_as_their_own_parameters(demo: dict[str, pd.DataFrame]) -> None:
    """IT-002 (itRECIST, Goldmacher 2020): injected lesion shrinks, the non-injected ones progress."""
    adrs = demo["ADRS"]
    mine = adrs[adrs.USUBJID == "HIT-IT-DEMO-IT-002"]
    assert {"OVR", "BOR", "CBOR", "OVRINJ", "CBORINJ", "OVRNINJ", "CBORNINJ"} <= set(mine.PARAMCD)
    assert mine[mine.PARAMCD == "OVRNINJ"].AVALC.iloc[-1] == "PD"
    assert set(mine.PARCAT3) == {"itRECIST GOLDMACHER 2020"}
    assert (mine[mine.PARAMCD == "OVR"].ANL01FL == "Y").all()


def test_adtte_pfs_is_the_first_progression_and_dor_only_for_responders(demo: dict[str, pd.DataFrame]) -> None:
    """IT-003 (iRECIST): iUPD then iCPD four weeks later: the PFS event is the iCPD assessment; IT-006 (confirmed
    PR, no progression): censored DOR from the first response."""
    adtte = demo["ADTTE"]
    pfs = adtte[(adtte.USUBJID == "HIT-IT-DEMO-IT-003") & (adtte.PARAMCD == "PFS")].iloc[0]
    assert pfs.CNSR == 0 and pfs.EVNTDESC == "DISEASE PROGRESSION"
    assert pfs.AVAL == pfs.ADT - pfs.STARTDT + 1
    dor = adtte[(adtte.USUBJID == "HIT-IT-DEMO-IT-006") & (adtte.PARAMCD == "DOR")].iloc[0]
    assert dor.CNSR == 1
    assert "DOR" not in set(adtte[adtte.USUBJID == "HIT-IT-DEMO-IT-005"].PARAMCD)


def test_a_subject_with_only_a_baseline_scan_has_a_missing_best_response() -> None:
    """admiralonco: MISSING (or NE with missing_as_ne, as ioguide's engine says); PFS and TTR censored at origin."""
    from sdtm_support import demo_program_input

    from ioguide.interop.adam import adam_datasets
    from ioguide.interop.inputs import parse_study_export
    from ioguide.interop.sdtm import study_datasets

    data = demo_program_input()
    data["patients"][5]["case"]["timepoints"] = data["patients"][5]["case"]["timepoints"][:1]
    study = parse_study_export(data)
    assert study.patients[5].assessment("recist1.1")["best_overall_response"]["response"] == "NE"
    sdtm = study_datasets(study)
    for options, expected in ((AdrsOptions(), "MISSING"), (AdrsOptions.as_ioguide_engine(), "NE")):
        adam = adam_datasets(sdtm, options)
        best = {(r["PARAMCD"], r["AVALC"]) for r in adam["ADRS"].records() if r["USUBJID"] == "HIT-IT-DEMO-IT-006"}
        assert best == {("BOR", expected), ("CBOR", expected)}
        tte = [r for r in adam["ADTTE"].records() if r["USUBJID"] == "HIT-IT-DEMO-IT-006"]
        assert {(r["PARAMCD"], r["CNSR"], r["AVAL"]) for r in tte} == {("PFS", 1.0, 1.0), ("TTR", 1.0, 1.0)}
