"""Virtual cohorts: distributional checks (research note 3.5: N >= 10,000, medians and log-variances within
tolerance; Feng 2014 CL-Vc correlation 0.481; Stein 2019 Cmax percentiles), exactness per patient, and
bit-identical results however the cohort is chunked (locally or on Dask)."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest

from ioguide.errors import InputError
from ioguide.simulation.cohort import run_cohort
from ioguide.simulation.distributed import dask_mapper
from ioguide.simulation.exposure import simulate_exposure
from ioguide.simulation.inputs import CohortInput, ExposureInput
from ioguide.validation import parse_model

EXPOSURE: dict[str, Any] = {
    "model": "tumour_two_compartment",
    "drug": "ipilimumab",
    "tumour": {"volume_l": 0.05, "retention_half_life_days": 1.0, "kp": 0.1},
    "regimens": [
        {"name": "IT 10 mg", "route": "intratumoral", "doses": [{"day": 0, "amount_mg": 10}]},
        {
            "name": "IV 240 mg",
            "route": "intravenous",
            "doses": [{"day": 0, "amount_mg": 240}, {"day": 21, "amount_mg": 240}],
        },
    ],
    "times_days": [1, 7, 14, 28],
    "horizon_days": 28,
}
FENG_IIV = {
    "variability": {"cl_l_day": {"omega2": 0.125}, "v1_l": {"omega2": 0.0223}},
    "correlations": [{"between": ["cl_l_day", "v1_l"], "omega": 0.0254}],
}


def cohort(n: int, **extra: Any) -> CohortInput:
    data = {"simulation": {"kind": "exposure", "input": EXPOSURE}, "n": n, "seed": 7, **FENG_IIV}
    data.update(extra)
    return parse_model(CohortInput, data)


@pytest.fixture(scope="module")
def large() -> Any:
    return run_cohort(cohort(20_000))


def test_sampled_parameters_follow_feng_2014_iiv(large: Any) -> None:
    """Median -> typical value, var(log) -> omega2, corr(eta_CL, eta_V1) -> 0.0254/sqrt(0.125*0.0223) = 0.481."""
    table = large.per_patient
    log_cl = np.log(table["cl_l_day"] / 0.36)
    log_v1 = np.log(table["v1_l"] / 4.15)
    assert float(np.median(table["cl_l_day"])) == pytest.approx(0.36, rel=0.02)
    assert float(np.median(table["v1_l"])) == pytest.approx(4.15, rel=0.01)
    assert float(np.var(log_cl)) == pytest.approx(0.125, rel=0.05)
    assert float(np.var(log_v1)) == pytest.approx(0.0223, rel=0.05)
    assert float(np.corrcoef(log_cl, log_v1)[0, 1]) == pytest.approx(0.481, abs=0.02)
    assert large.summary["correlations"][0]["correlation"] == pytest.approx(0.481, abs=5e-4)


def test_plasma_auc_to_infinity_is_dose_over_each_patients_clearance(large: Any) -> None:
    """Per patient and for both routes (note 3.5): AUC_P(0-inf) = D / CL_i exactly."""
    cl = large.per_patient["cl_l_day"]
    np.testing.assert_allclose(large.per_patient["IT 10 mg.auc_plasma_inf_mg_day_l"], 10 / cl, rtol=1e-9)
    np.testing.assert_allclose(large.per_patient["IV 240 mg.auc_plasma_inf_mg_day_l"], 480 / cl, rtol=1e-9)


def test_median_patient_is_close_to_the_typical_patient(large: Any) -> None:
    typical = simulate_exposure(ExposureInput.model_validate(EXPOSURE)).regimens[0]
    median = large.summary["groups"][0]["auc_tumour_mg_day_l"][1]
    assert median == pytest.approx(typical.auc_tumour_mg_day_l, rel=0.01)


@pytest.mark.parametrize(
    ("model", "kp"),
    [("tumour_two_compartment", 0.1), ("tumour_two_compartment", 0.0), ("tumour_depot_one_compartment", 0.0)],
)
def test_without_variability_every_patient_is_the_typical_one_to_1e_9(model: str, kp: float) -> None:
    """The vectorised eigen-solution (symmetrised for kp > 0, general otherwise) reproduces the single-patient
    matrix exponential (spec: relative error <= 1e-9)."""
    sim = dict(EXPOSURE, model=model, tumour={"volume_l": 0.05, "retention_half_life_days": 1.0, "kp": kp})
    data = {"simulation": {"kind": "exposure", "input": sim}, "n": 50, "variability": {}, "percentiles": [50]}
    result = run_cohort(parse_model(CohortInput, data))
    typical = simulate_exposure(ExposureInput.model_validate(sim))
    for group, regimen in zip(result.summary["groups"], typical.regimens, strict=True):
        np.testing.assert_allclose(group["tumour_mg_l"][0], regimen.tumour_mg_l, rtol=1e-9)
        np.testing.assert_allclose(group["plasma_mg_l"][0], regimen.plasma_mg_l, rtol=1e-9)
        for name in ("auc_tumour_mg_day_l", "auc_plasma_mg_day_l", "auc_plasma_inf_mg_day_l", "cmax_plasma_mg_l"):
            assert group[name][0] == pytest.approx(getattr(regimen, name), rel=1e-9)
        assert group["tmax_plasma_days"][0] == pytest.approx(regimen.tmax_plasma_days, rel=1e-9, abs=1e-12)


def test_nearly_equal_rates_fall_back_to_the_matrix_exponential() -> None:
    """Model A with k_out = CL/V (Bateman equal-rate case): the eigenbasis is defective; results stay exact."""
    k = math.log(2) / 3.0
    sim = {
        "model": "tumour_depot_one_compartment",
        "drug_parameters": {"cl_l_day": k * 5.0, "v1_l": 5.0},
        "tumour": {"volume_l": 0.05, "retention_half_life_days": 3.0},
        "regimens": [{"name": "IT", "route": "intratumoral", "doses": [{"day": 0, "amount_mg": 10}]}],
        "times_days": [1, 7, 14, 28],
        "horizon_days": 28,
    }
    result = run_cohort(
        parse_model(CohortInput, {"simulation": {"kind": "exposure", "input": sim}, "n": 3, "percentiles": [50]})
    )
    t = np.array([1, 7, 14, 28])
    np.testing.assert_allclose(result.summary["groups"][0]["plasma_mg_l"][0], 2 * k * t * np.exp(-k * t), rtol=1e-9)


def test_chunking_does_not_change_any_number() -> None:
    """Same seed, chunk sizes 1,000 (one chunk), 7 and 333: identical bits, per patient and in the summary."""
    whole = run_cohort(cohort(1000, chunk_size=1000))
    for size in (7, 333):
        split = run_cohort(cohort(1000, chunk_size=size))
        assert json.dumps(split.summary["groups"]) == json.dumps(whole.summary["groups"])
        for name, values in whole.per_patient.items():
            np.testing.assert_array_equal(split.per_patient[name], values)


@pytest.mark.parametrize("scheduler", ["synchronous", "threads"])
def test_dask_run_is_bit_identical_to_the_local_run(scheduler: str) -> None:
    local = run_cohort(cohort(600, chunk_size=100))
    on_dask = run_cohort(cohort(600, chunk_size=100), dask_mapper(scheduler))
    assert json.dumps(on_dask.summary) == json.dumps(local.summary)


def test_dask_distributed_cluster_is_bit_identical_to_the_local_run() -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        remote = run_cohort(cohort(300, chunk_size=100), dask_mapper(cluster.scheduler_address))
    local = run_cohort(cohort(300, chunk_size=100))
    assert json.dumps(remote.summary) == json.dumps(local.summary)


def test_progress_is_reported_per_chunk() -> None:
    seen: list[tuple[int, int]] = []
    run_cohort(cohort(250, chunk_size=100), progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_stein_cohort_cmax_percentiles_match_the_variance_reading() -> None:
    """Research note 3.3: with omega2 = 0.65 the 5th/95th percentiles of Cmax -> 24000 exp(-/+1.6449 sqrt(0.65))
    = 6,372.1 / 90,393.9 (N >= 10,000, rtol 5%); the horizon is past every Tmax so the peak is Cmax."""
    data = {
        "simulation": {"kind": "cart", "input": {"model": "stein2019", "times_days": [1, 7, 28], "horizon_days": 3650}},
        "n": 20_000,
        "seed": 1,
        "percentiles": [5, 50, 95],
    }
    result = run_cohort(parse_model(CohortInput, data))
    cmax = result.per_patient["cmax"]
    p5, p50, p95 = np.percentile(cmax, [5, 50, 95])
    assert p50 == pytest.approx(24000, rel=0.05)
    assert p5 == pytest.approx(6372.1, rel=0.05)
    assert p95 == pytest.approx(90393.9, rel=0.05)
    assert float(np.var(np.log(result.per_patient["foldx"]))) == pytest.approx(2.4, rel=0.05)
    assert any("Stein et al. 2019" in reason for reason in result.summary["reasons"])


def test_percentiles_have_one_value_per_requested_percentile(large: Any) -> None:
    group = large.summary["groups"][1]
    assert len(group["cmax_plasma_mg_l"]) == 3
    assert np.asarray(group["plasma_mg_l"]).shape == (3, 4)
    assert group["cmax_plasma_mg_l"][0] < group["cmax_plasma_mg_l"][1] < group["cmax_plasma_mg_l"][2]


def test_default_variability_comes_from_the_drug_table() -> None:
    data = {"simulation": {"kind": "exposure", "input": EXPOSURE}, "n": 10}
    result = run_cohort(parse_model(CohortInput, data))
    assert result.summary["variability"]["cl_l_day"]["omega2"] == 0.125
    assert "Feng 2014" in result.summary["variability"]["cl_l_day"]["source"]
    assert result.summary["correlations"][0]["omega"] == 0.0254


@pytest.mark.parametrize(
    ("extra", "field", "words"),
    [
        ({"variability": {"clearance": {"omega2": 0.1}}}, "variability.clearance", "parameters that can vary"),
        ({"variability": {"cl_l_day": {"omega2": -0.1}}}, "variability.cl_l_day.omega2", "must be >= 0"),
        (
            {
                "variability": {"cl_l_day": {"omega2": 0.1}, "v1_l": {"omega2": 0.1}},
                "correlations": [{"between": ["cl_l_day", "v1_l"], "omega": 0.2}],
            },
            "correlations",
            "not positive semi-definite",
        ),
        (
            {"correlations": [{"between": ["cl_l_day", "q_l_day"], "omega": 0.01}]},
            "correlations[0].between",
            "no variability",
        ),
        ({"percentiles": [5, 101]}, "percentiles[1]", "between 0 and 100"),
        ({"percentiles": [-1]}, "percentiles[0]", "between 0 and 100"),
        ({"per_patient_out": "x.xlsx"}, "per_patient_out", ".parquet or .csv"),
        ({"n": 0}, "n", "greater than or equal to 1"),
        ({"nn": 3}, "nn", "unknown field"),
    ],
)
def test_bad_cohort_input_is_rejected_with_path_and_rule(extra: dict[str, Any], field: str, words: str) -> None:
    data = {"simulation": {"kind": "exposure", "input": EXPOSURE}, "n": 10, **FENG_IIV}
    data.update(extra)
    with pytest.raises(InputError) as err:
        run_cohort(parse_model(CohortInput, data))
    assert any(p.field == field and words in p.message for p in err.value.problems), err.value.problems


def test_errors_inside_the_simulation_input_carry_its_path() -> None:
    bad = dict(EXPOSURE, tumour={"volume_l": -0.05, "retention_half_life_days": 1.0})
    with pytest.raises(InputError) as err:
        run_cohort(parse_model(CohortInput, {"simulation": {"kind": "exposure", "input": bad}, "n": 10}))
    assert err.value.problems[0].field == "simulation.input.tumour.volume_l"
    unknown = dict(EXPOSURE, drug="ipilimumabb")
    with pytest.raises(InputError) as err:
        run_cohort(parse_model(CohortInput, {"simulation": {"kind": "exposure", "input": unknown}, "n": 10}))
    assert err.value.problems[0].field == "simulation.input.drug"
    assert "nivolumab" in err.value.problems[0].message


def test_percentiles_0_and_100_are_the_extremes() -> None:
    """Boundary of the 0-100 rule: 0 and 100 are accepted (and are the min and max); -1 and 101 are not (above)."""
    result = run_cohort(cohort(200, percentiles=[0, 100]))
    values = result.per_patient["IT 10 mg.auc_plasma_inf_mg_day_l"]
    assert result.summary["groups"][0]["auc_plasma_inf_mg_day_l"] == [float(values.min()), float(values.max())]
