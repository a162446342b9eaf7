"""Radiomics over a manifest of cases: one task per case, locally in processes or on a Dask cluster.

Manifest: CSV with columns ``case_id,image,mask[,label]`` (spec/imaging.md); relative paths are relative to the
manifest's folder. A bad case never stops the batch: its rows carry ``error`` (the exit status is then 3).
Workers run SimpleITK single-threaded so that processes, not threads, use the cores (research note §6).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ioguide.errors import InputError, Problem

MANIFEST_COLUMNS = ("case_id", "image", "mask")
OPTIONAL_COLUMNS = ("label",)


@dataclass(frozen=True, slots=True)
class Case:
    case_id: str
    image: str
    mask: str
    label: int | None


def parse_manifest(text: str, base: Path) -> list[Case]:
    """Cases from the manifest text; unknown or missing columns and bad labels are rejected as a whole."""
    reader = csv.DictReader(text.splitlines())
    columns = tuple(reader.fieldnames or ())
    problems = [Problem("manifest", f"missing column {c!r}") for c in MANIFEST_COLUMNS if c not in columns]
    problems += [
        Problem("manifest", f"unknown column {c!r} (columns: case_id,image,mask[,label])")
        for c in columns
        if c not in MANIFEST_COLUMNS + OPTIONAL_COLUMNS
    ]
    if problems:
        raise InputError(problems)
    cases: list[Case] = []
    for n, row in enumerate(reader):
        label_text = (row.get("label") or "").strip()
        if label_text and not label_text.isdigit():
            problems.append(Problem(f"manifest[{n}].label", f"{label_text!r} is not a positive whole number"))
            continue
        case_id = (row.get("case_id") or "").strip()
        if not case_id:
            problems.append(Problem(f"manifest[{n}].case_id", "required field is missing"))
            continue
        cases.append(
            Case(
                case_id,
                str(base / (row.get("image") or "").strip()),
                str(base / (row.get("mask") or "").strip()),
                int(label_text) if label_text else None,
            )
        )
    if problems:
        raise InputError(problems)
    if not cases:
        raise InputError.one("manifest", "the manifest lists no cases")
    return cases


def _single_threaded() -> None:
    import SimpleITK

    sitk: Any = SimpleITK
    sitk.ProcessObject.SetGlobalDefaultNumberOfThreads(1)


def run_case(case: Case, params_data: Any) -> list[dict[str, Any]]:
    """Every lesion of one case as CSV rows; any failure becomes one row with ``error`` (never raised)."""
    from ioguide.imaging.measure import select_labels
    from ioguide.imaging.radiomics import extract_labels, parse_params
    from ioguide.imaging.volumes import load_image, load_mask

    try:
        params = parse_params(params_data)
        image = load_image(Path(case.image))
        labels = load_mask(Path(case.mask), image)
        results = extract_labels(image.array, labels, image.grid, select_labels(labels, case.label), params)
        return [
            {"case_id": case.case_id, "label": r.label, "error": "", **r.features, **r.other_features} for r in results
        ]
    except InputError as err:
        message = "; ".join(str(p) for p in err.problems)
    except Exception as exc:  # a batch continues past any failure; the row says what happened
        message = f"{type(exc).__name__}: {exc}"
    return [{"case_id": case.case_id, "label": case.label if case.label is not None else "", "error": message}]


def run_batch(
    cases: list[Case],
    params_data: Any,
    jobs: int = 1,
    scheduler: str | None = None,
    on_done: Callable[[Case], None] = lambda case: None,
) -> list[list[dict[str, Any]]]:
    """Rows per case, in manifest order: in this process (``jobs == 1``), in ``jobs`` local processes, or on the
    Dask cluster at ``scheduler`` (``dask.distributed``)."""
    results: list[list[dict[str, Any]] | None] = [None] * len(cases)
    if scheduler is None and jobs <= 1:
        for n, case in enumerate(cases):
            results[n] = run_case(case, params_data)
            on_done(case)
        return [r or [] for r in results]
    if scheduler is not None:
        import distributed

        dist: Any = distributed
        Client, dask_completed = dist.Client, dist.as_completed

        with Client(scheduler) as client:
            client.run(_single_threaded)
            futures = {client.submit(run_case, case, params_data, pure=False): n for n, case in enumerate(cases)}
            for fut in dask_completed(list(futures)):
                n = futures[fut]
                results[n] = fut.result()
                on_done(cases[n])
        return [r or [] for r in results]
    with ProcessPoolExecutor(max_workers=jobs, initializer=_single_threaded) as pool:
        local: dict[Future[list[dict[str, Any]]], int] = {
            pool.submit(run_case, case, params_data): n for n, case in enumerate(cases)
        }
        for fut in as_completed(local):
            n = local[fut]
            results[n] = fut.result()
            on_done(cases[n])
    return [r or [] for r in results]


def write_rows(rows: Iterable[dict[str, Any]], out: Path) -> int:
    """Write one CSV row per lesion: ``case_id,label,error`` then every feature column seen (sorted)."""
    rows = list(rows)
    features = sorted({k for r in rows for k in r} - {"case_id", "label", "error"})
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["case_id", "label", "error", *features], restval="")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)
