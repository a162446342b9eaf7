"""``simulate cart``: Stein 2019 CAR-T kinetics (typical patient) and its two-site, route-aware extension.

Parameters not given in the input come from ``data/drugs/tisagenlecleucel.yaml`` (Stein 2019 Table 1, and the
assumption-flagged two-site rates); every assumption used is listed in the result.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ioguide.errors import InputError
from ioguide.simulation import stein2019, two_site
from ioguide.simulation.drugs import SourcedValue, load_drug
from ioguide.simulation.exposure import Assumption
from ioguide.simulation.inputs import SteinInput, TwoSiteInput
from ioguide.validation import parse_model

CAR_T_PRODUCT = "tisagenlecleucel"


@dataclass(frozen=True)
class SteinResult:
    model: str
    parameters: dict[str, float]
    times_days: list[float]
    horizon_days: float
    level: list[float]
    auc_0_horizon: float
    cmax: float
    tmax_days: float
    doubling_time_days: float
    assumptions: list[Assumption]
    reasons: list[str]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class TwoSiteResult:
    """The two-site solution with what produced it; ``as_dict`` puts the solution's fields after the inputs."""

    model: str
    route: str
    dose_cells: float
    parameters: dict[str, float]
    times_days: list[float]
    horizon_days: float
    solution: two_site.TwoSiteSolution
    assumptions: list[Assumption]
    reasons: list[str]

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        solved = out.pop("solution")
        tail = {key: out.pop(key) for key in ("assumptions", "reasons")}
        return {**out, **solved, **tail}


def merge_parameters(
    table: dict[str, SourcedValue], given: dict[str, float]
) -> tuple[dict[str, float], list[Assumption], list[str]]:
    """Input values win; table values fill the rest, and those sourced as assumptions are listed."""
    values: dict[str, float] = {}
    assumptions: list[Assumption] = []
    notes: list[str] = []
    for name, tabled in table.items():
        if name in given:
            values[name] = float(given[name])
            notes.append(f"{name} = {values[name]} from the input")
        else:
            values[name] = tabled.value
            notes.append(f"{name} = {tabled.value} ({tabled.source})")
            if tabled.is_assumption:
                assumptions.append(Assumption(name, tabled.value, tabled.source))
    return values, assumptions, notes


def simulate_stein(inp: SteinInput) -> SteinResult:
    """Stein 2019 closed form (Figure 2): expansion at rho = ln(foldx)/Tmax, then biexponential contraction."""
    product = load_drug(CAR_T_PRODUCT)
    values, assumptions, notes = merge_parameters(product.parameters, inp.parameters.model_dump(exclude_none=True))
    params = stein2019.SteinParameters(**values)
    times = [float(t) for t in inp.times_days]
    horizon = float(inp.horizon_days)
    cmax, tmax = stein2019.peak(params, horizon)
    reasons = [
        "Stein 2019 (CPT Pharmacometrics Syst Pharmacol 8:285, Figure 2): C = R0 e^{rho t} before Tmax, "
        "Cmax [(1-F_B) e^{-alpha (t-Tmax)} + F_B e^{-beta (t-Tmax)}] from Tmax on; closed-form AUC",
        f"rho = ln(foldx)/Tmax = {float(params.rho_per_day):.6g} /day; R0 = Cmax/foldx = {float(params.r0):.6g}",
        *notes,
    ]
    return SteinResult(
        model="stein2019",
        parameters=values,
        times_days=times,
        horizon_days=horizon,
        level=[float(v) for v in stein2019.level(params, times)],
        auc_0_horizon=float(stein2019.auc(params, horizon)),
        cmax=float(cmax),
        tmax_days=float(tmax),
        doubling_time_days=float(stein2019.doubling_time(params)),
        assumptions=assumptions,
        reasons=reasons,
    )


def simulate_two_site(inp: TwoSiteInput) -> TwoSiteResult:
    """Two-site extension (research note 2.5), solved exactly per phase; growth/exchange rates are assumptions."""
    product = load_drug(CAR_T_PRODUCT)
    values, assumptions, notes = merge_parameters(product.two_site, inp.parameters.model_dump(exclude_none=True))
    given = inp.parameters.model_fields_set
    assumptions += [
        Assumption(name, values[name], "assumption (given in the input; no published estimate exists)")
        for name in ("rho_regional_per_day", "rho_blood_per_day", "k_rb_per_day", "k_br_per_day")
        if name in given
    ]
    params = two_site.TwoSiteParameters(**values)
    times = [float(t) for t in inp.times_days]
    solution = two_site.solve(params, inp.route, inp.dose_cells, times, float(inp.horizon_days))
    entry = "blood" if inp.route == "intravenous" else "the regional site"
    reasons = [
        "two-site extension of Stein 2019 (research note 2.5): effector and memory cells at the regional site "
        "and in blood, exact matrix exponential per phase (before and after Tmax)",
        f"route {inp.route}: the dose of {inp.dose_cells:g} cells enters {entry}",
        "the growth rates rho_R, rho_B and the exchange rates k_RB, k_BR are assumptions, not published "
        "estimates; regional/IV comparisons depend on rho_R vs rho_B, not only on where the cells start",
        *notes,
    ]
    return TwoSiteResult(
        model="two_site",
        route=inp.route,
        dose_cells=float(inp.dose_cells),
        parameters=values,
        times_days=times,
        horizon_days=float(inp.horizon_days),
        solution=solution,
        assumptions=assumptions,
        reasons=reasons,
    )


def simulate_cart(data: object) -> SteinResult | TwoSiteResult:
    """Parse a ``simulate cart`` document and run the model it names (``stein2019`` or ``two_site``)."""
    model = data.get("model") if isinstance(data, dict) else None
    if model == "stein2019":
        return simulate_stein(parse_model(SteinInput, data))
    if model == "two_site":
        return simulate_two_site(parse_model(TwoSiteInput, data))
    if not isinstance(data, dict):
        raise InputError.one("$", "expected a JSON object")
    if model is None:
        raise InputError.one("model", "required field is missing ('stein2019' or 'two_site')")
    raise InputError.one("model", f"{model!r} is not one of 'stein2019', 'two_site'")
