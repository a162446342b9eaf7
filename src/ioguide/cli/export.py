"""``ioguide export seg|sr``: write a lesion mask as DICOM SEG and its measurements as a TID 1500 report.

A sub-app: other exports (FHIR, SDTM) may join it. SEG and SR are described in ``spec/imaging.md`` ("export")
and :mod:`ioguide.imaging.dicom_export`; the output is a JSON summary of what was written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from ioguide.cli.imaging_args import IMAGE, ROI, _read_params, _require
from ioguide.cli.io import FORMAT_OPTION, OutputFormat, run_produced
from ioguide.errors import InputError

app = typer.Typer(help="Export to standard formats: DICOM SEG and SR (TID 1500), FHIR, SDTM.", no_args_is_help=True)

OUT = typer.Option(None, "--out", help="Output DICOM file.")


def _seg(image_path: Path, mask_path: Path, out: Path, labels: list[int], lesion: list[str], roi: str | None) -> Any:
    from ioguide.imaging.dicom_export import parse_lesion_ids, write_seg
    from ioguide.imaging.measure import labels_in
    from ioguide.imaging.volumes import load_image, load_mask

    image = load_image(image_path)
    if not image.datasets:
        raise InputError.one("image", "a DICOM SEG is written on a DICOM series: give the series folder")
    mask = load_mask(mask_path, image, roi)
    present = labels_in(mask)
    if not present:
        raise InputError.one("mask", "the mask is empty (no voxel has a non-zero label)")
    for n, lab in enumerate(labels):
        if lab not in present:
            raise InputError.one(f"--label[{n}]", f"label {lab} is not in the mask (labels present: {present})")
    refs = parse_lesion_ids(lesion, labels or present)
    seg = write_seg(image.datasets, mask, refs)
    seg.save_as(str(out))
    return {
        "out": str(out),
        "sop_instance_uid": str(seg.SOPInstanceUID),
        "segments": [
            {"segment_number": n, "label": ref.label, "lesion_id": ref.lesion_id} for n, ref in enumerate(refs, start=1)
        ],
    }


@app.command("seg")
def seg(
    image: Path = IMAGE,
    mask: Path = typer.Argument(None, help="A NIfTI label map, DICOM SEG or RTSTRUCT on the image grid."),
    out: Path = OUT,
    label: list[int] = typer.Option([], "--label", help="Only these labels (repeatable; default: all)."),
    lesion: list[str] = typer.Option([], "--lesion", help="LABEL=LESION_ID, the tracking id (repeatable)."),
    roi: str | None = ROI,
    fmt: OutputFormat | None = FORMAT_OPTION,
) -> None:
    """A DICOM SEG (BINARY, one segment per lesion) on the image's DICOM series."""
    run_produced(
        fmt,
        lambda: _seg(_require(image, "image"), _require(mask, "mask"), _require(out, "--out"), label, lesion, roi),
        lambda r: f"wrote {r['out']}: " + ", ".join(f"{s['lesion_id']} (label {s['label']})" for s in r["segments"]),
    )


def _sr(image_path: Path, seg_path: Path, out: Path, response: str | None, with_radiomics: bool, params: Any) -> Any:
    from ioguide.imaging.dicom_export import lesion_groups, response_group, seg_segments, write_sr
    from ioguide.imaging.measure import measure_binary
    from ioguide.imaging.radiomics import extract, parse_params
    from ioguide.imaging.volumes import load_image, load_mask, read_dicom

    parsed = parse_params(params)
    image = load_image(image_path)
    if not image.datasets:
        raise InputError.one("image", "a DICOM SR references a DICOM series: give the series folder")
    seg_ds = read_dicom(seg_path, "seg")
    if seg_ds.get("Modality") != "SEG":
        raise InputError.one("seg", f"{seg_path} is not a DICOM SEG (write one with ioguide export seg)")
    labels = load_mask(seg_path, image)
    frame_uid = str(image.datasets[0].FrameOfReferenceUID)
    series_uid = str(image.datasets[0].SeriesInstanceUID)
    groups: list[Any] = []
    written = []
    for number, (lesion_id, _uid) in sorted(seg_segments(seg_ds).items()):
        mask = labels == number
        if not mask.any():
            continue
        measured = measure_binary(mask, image.grid, number)
        features = extract(image.array, labels, image.grid, number, parsed).features if with_radiomics else {}
        groups.extend(lesion_groups(seg_ds, number, measured, features, frame_uid, series_uid))
        written.append({"segment_number": number, "lesion_id": lesion_id, **measured.as_dict()})
    if response is not None:
        groups.append(response_group(response))
    sr = write_sr(image.datasets, seg_ds, groups)
    sr.save_as(str(out))
    return {"out": str(out), "sop_instance_uid": str(sr.SOPInstanceUID), "response": response, "lesions": written}


@app.command("sr")
def sr(
    image: Path = IMAGE,
    seg_file: Path = typer.Argument(None, help="The DICOM SEG of the lesions (ioguide export seg)."),
    out: Path = OUT,
    response: str | None = typer.Option(None, "--response", help="Timepoint response code (spec/response.md)."),
    with_radiomics: bool = typer.Option(False, "--radiomics", help="Add IBSI-coded radiomics features."),
    params: Path | None = typer.Option(None, "--params", help="Radiomics parameters YAML (as ioguide radiomics)."),
    fmt: OutputFormat | None = FORMAT_OPTION,
) -> None:
    """A TID 1500 Measurement Report: per SEG segment the long/short axis (SCOORD3D), volume and features."""
    run_produced(
        fmt,
        lambda: _sr(
            _require(image, "image"),
            _require(seg_file, "seg"),
            _require(out, "--out"),
            response,
            with_radiomics,
            _read_params(params),
        ),
        lambda r: f"wrote {r['out']}: " + ", ".join(les["lesion_id"] for les in r["lesions"]),
    )
