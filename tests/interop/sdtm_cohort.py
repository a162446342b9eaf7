"""A generated cohort of export inputs (seeded, reproducible): RECIST 1.1, iRECIST, itRECIST and mRECIST cases with
responses, stable disease, progression, pseudoprogression, lesions not evaluated and new lesions, treated by
intratumoral injection (T-VEC, whose protocol has an imaging schedule), intrapleural or intra-arterial infusion, or
ablation; some scans with a signed independent read, a few organs outside the CDISC LOC codelist."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

ORGANS = ["liver", "lung", "bone", "skin", "adrenal", "kidney", "subcutaneous", "soft_tissue", "spleen", "pancreas"]
NON_TARGET_ORGANS = ["bone", "peritoneum", "pleura", "left lung", "hepatic hilum", "brain"]
CRITERIA = ("recist1.1", "irecist", "itrecist", "mrecist")


def _iso(day: dt.date) -> str:
    return day.isoformat()


def _course(rng: random.Random, n: int) -> list[float]:
    """Relative size per follow-up scan: response, stability, progression or pseudoprogression."""
    kind = rng.choice(["respond", "respond", "stable", "progress", "pseudo"])
    out, size = [], 1.0
    for k in range(n):
        if kind == "respond":
            size *= rng.uniform(0.45, 0.95)
        elif kind == "stable":
            size *= rng.uniform(0.85, 1.12)
        elif kind == "progress":
            size *= rng.uniform(1.0, 1.35)
        else:
            size *= rng.uniform(1.15, 1.4) if k == 0 else rng.uniform(0.5, 0.9)
        out.append(size)
    return out


def patient(rng: random.Random, number: int, study: str) -> dict[str, Any]:
    criteria = CRITERIA[number % len(CRITERIA)]
    start = dt.date(2026, 1, 5) + dt.timedelta(days=rng.randint(0, 200))
    n_targets = rng.randint(1, 4)
    lesions: list[dict[str, Any]] = []
    baseline: dict[str, Any] = {}
    nodes = 0
    for k in range(n_targets):
        nodal = nodes < 2 and rng.random() < 0.25
        nodes += nodal
        lesion: dict[str, Any] = {
            "id": f"T{k + 1}", "role": "target", "organ": "lymph_node" if nodal else ORGANS[k], "nodal": nodal,
        }  # fmt: skip
        if criteria == "itrecist":
            lesion["injected"] = k == 0 or rng.random() < 0.4
        lesions.append(lesion)
        baseline[lesion["id"]] = rng.randint(15, 40) if nodal else rng.randint(10, 60)
    non_targets = [
        {"id": f"N{k + 1}", "role": "non_target", "organ": organ}
        for k, organ in enumerate(rng.sample(NON_TARGET_ORGANS, rng.randint(0, 2)))
    ]
    lesions += non_targets
    n_scans = rng.randint(1, 6)
    scan = start - dt.timedelta(days=rng.randint(0, 20))
    course = {lesion["id"]: _course(rng, n_scans) for lesion in lesions if lesion["role"] == "target"}
    timepoints = [
        {"date": _iso(scan), "diameters_mm": baseline, "non_target": {n["id"]: "present" for n in non_targets}}
    ]
    every = rng.choice([42, 56, 84])
    new_seen: list[dict[str, Any]] = []
    for k in range(n_scans):
        scan = start + dt.timedelta(days=every * (k + 1) + rng.randint(-6, 6))
        diameters: dict[str, Any] = {}
        for lesion in lesions:
            if lesion["role"] != "target":
                continue
            if rng.random() < 0.06:
                diameters[lesion["id"]] = "not_evaluated"
                continue
            size = baseline[lesion["id"]] * course[lesion["id"]][k]
            if not lesion["nodal"] and size < 4:
                size = 0
            diameters[lesion["id"]] = round(size, 1)
        states = {}
        for lesion in non_targets:
            roll = rng.random()
            states[lesion["id"]] = (
                "not_evaluated" if roll < 0.05 else "unequivocal_progression" if roll < 0.09
                else "absent" if roll < 0.25 else "present"
            )  # fmt: skip
        if rng.random() < 0.1:
            new_seen.append(
                {"id": f"X{len(new_seen) + 1}", "organ": rng.choice(ORGANS), "diameter_mm": rng.randint(5, 25),
                 "equivocal": rng.random() < 0.3, **({"typical_hcc": True} if criteria == "mrecist" else {})}
            )  # fmt: skip
        elif new_seen and rng.random() < 0.3:
            new_seen.pop()  # a new lesion that resolves (pseudoprogression)
        point: dict[str, Any] = {"date": _iso(scan), "diameters_mm": diameters, "non_target": states}
        if new_seen:
            point["new_lesions"] = [dict(item) for item in new_seen]
        timepoints.append(point)
    injected = [lesion["id"] for lesion in lesions if lesion.get("injected")] or [lesions[0]["id"]]
    kind = rng.choice(["tvec", "tvec", "pleural", "arterial", "ablation"])
    procedures: list[dict[str, Any]]
    if kind == "tvec":
        procedures = [
            {"kind": "injection", "date": _iso(start + dt.timedelta(days=d)), "agent": "talimogene laherparepvec",
             "lesions": [{"lesion_id": lid, "volume_ml": 1.0} for lid in injected]}
            for d in (0, 21, 35)
        ]  # fmt: skip
    elif kind in ("pleural", "arterial"):
        route = "intrapleural" if kind == "pleural" else "intra_arterial"
        procedures = [{"kind": "infusion", "date": _iso(start), "agent": "CAR-T", "route": route, "dose_cells": 1e8}]
    else:
        procedures = [{"kind": "ablation", "date": _iso(start), "lesions": [{"lesion_id": injected[0]}]}]
    out: dict[str, Any] = {
        "study": study, "subject": f"{number:03d}", "birth_year": rng.randint(1940, 1990),
        "sex": rng.choice(["female", "male"]), "case": {"criteria": criteria, "lesions": lesions, "timepoints": timepoints},
        "procedures": procedures,
        "imaging": [{"date": tp["date"], "modality": rng.choice(["CT", "CT", "MR"])} for tp in timepoints],
    }  # fmt: skip
    if len(timepoints) > 1 and rng.random() < 0.15:
        out["evaluations"] = [{"date": timepoints[1]["date"], "evaluator_id": "RADIOLOGIST 1"}]
    return out


def cohort(n: int = 200, seed: int = 17, study: str = "GEN01") -> dict[str, Any]:
    """A study export input of ``n`` generated patients."""
    rng = random.Random(seed)
    return {"study": study, "patients": [patient(rng, i + 1, study) for i in range(n)]}
