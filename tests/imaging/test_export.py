"""DICOM SEG and TID 1500 SR: ``dciodvfy`` (Debian dicom3tools) reports no errors, highdicom reads back the same
values (research note §3.3; DICOM PS3.3 §A.51 Segmentation IOD, PS3.16 TID 1500 / 1411 / 1501)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import highdicom as hd
import numpy as np
import pytest
from typer.testing import CliRunner

from imaging.support import dciodvfy_errors
from ioguide.cli.main import app
from ioguide.imaging.ibsi import IBSI_IDS

runner = CliRunner()


@pytest.fixture(scope="module")
def exported(ct_study: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("export")
    seg_run = runner.invoke(
        app,
        ["export", "seg", str(ct_study["series"]), str(ct_study["mask"]), "--out", str(out / "seg.dcm"),
         "--lesion", "1=T1", "--lesion", "2=N1", "--format", "json"],
    )  # fmt: skip
    assert seg_run.exit_code == 0, seg_run.output
    sr_run = runner.invoke(
        app,
        ["export", "sr", str(ct_study["series"]), str(out / "seg.dcm"), "--out", str(out / "sr.dcm"),
         "--response", "PR", "--radiomics", "--format", "json"],
    )  # fmt: skip
    assert sr_run.exit_code == 0, sr_run.output
    return {"seg": out / "seg.dcm", "sr": out / "sr.dcm", "summary": json.loads(sr_run.output)}


def test_seg_and_sr_pass_dciodvfy(exported: dict[str, Any], dciodvfy: str) -> None:
    assert dciodvfy_errors(dciodvfy, exported["seg"]) == []
    assert dciodvfy_errors(dciodvfy, exported["sr"]) == []


def test_seg_reads_back_with_the_lesion_ids(exported: dict[str, Any], ct_study: dict[str, Path]) -> None:
    seg = hd.seg.segread(str(exported["seg"]))
    assert [(int(s.SegmentNumber), s.TrackingID) for s in seg.SegmentSequence] == [(1, "T1"), (2, "N1")]
    import SimpleITK as sitk

    labels = sitk.GetArrayFromImage(sitk.ReadImage(str(ct_study["mask"])))
    volume = seg.get_volume(combine_segments=True, relabel=False)
    assert int((volume.array > 0).sum()) == int((labels > 0).sum())


def test_sr_reads_back_the_measured_values(exported: dict[str, Any]) -> None:
    report = hd.sr.srread(str(exported["sr"])).content
    measured = {les["lesion_id"]: les for les in exported["summary"]["lesions"]}
    volumetric = report.get_volumetric_roi_measurement_groups()
    assert [g.tracking_identifier for g in volumetric] == ["T1", "N1"]
    planar = {g.tracking_identifier: g for g in report.get_image_measurement_groups()}
    for group in volumetric:
        lesion = measured[group.tracking_identifier]
        values = {m.name.value: m for m in group.get_measurements()}
        assert values["118565006"].value == pytest.approx(lesion["volume_ml"])  # SCT Volume, mL
        assert values["118565006"].unit.value == "mL"
        assert values[IBSI_IDS["morph_diam"]].value == pytest.approx(lesion["max_3d_diameter_mm"], abs=0.05)
        assert values[IBSI_IDS["morph_volume"]].value == pytest.approx(lesion["mesh_volume_ml"] * 1000, abs=0.5)
        assert IBSI_IDS["stat_kurt"] in values and IBSI_IDS["cm_joint_max_3D_avg"] in values
        assert group.tracking_uid == planar[group.tracking_identifier].tracking_uid
        diam = {m.name.value: m for m in planar[group.tracking_identifier].get_measurements()}
        for code, key in (("103339001", "long_axis"), ("103340004", "short_axis")):
            assert diam[code].value == pytest.approx(lesion[f"{key}_mm"])
            coords = diam[code].referenced_coordinates[0]
            assert coords.GraphicType == "POLYLINE"
            assert np.asarray(coords.value) == pytest.approx(
                np.asarray(lesion[f"{key}_endpoints_patient_mm"]), abs=1e-4
            )
    (evaluation,) = planar["timepoint response"].get_qualitative_evaluations()
    assert evaluation.value.value == "PR"


def test_unknown_response_is_rejected_and_nothing_written(
    exported: dict[str, Any], ct_study: dict[str, Path], tmp_path: Path
) -> None:
    run = runner.invoke(
        app,
        ["export", "sr", str(ct_study["series"]), str(exported["seg"]), "--out", str(tmp_path / "x.dcm"),
         "--response", "partial", "--format", "json"],
    )  # fmt: skip
    assert run.exit_code == 2
    assert "--response: 'partial' is not one of" in run.stderr
    assert not (tmp_path / "x.dcm").exists()


def test_seg_needs_a_dicom_series(ct_study: dict[str, Path], tmp_path: Path) -> None:
    run = runner.invoke(
        app, ["export", "seg", str(ct_study["image"]), str(ct_study["mask"]), "--out", str(tmp_path / "s.dcm")]
    )
    assert run.exit_code == 2
    assert run.stderr.startswith("image: a DICOM SEG is written on a DICOM series")


def test_seg_label_pair_for_an_absent_label_is_rejected(ct_study: dict[str, Path], tmp_path: Path) -> None:
    run = runner.invoke(
        app,
        ["export", "seg", str(ct_study["series"]), str(ct_study["mask"]), "--out", str(tmp_path / "s.dcm"),
         "--lesion", "7=T7"],
    )  # fmt: skip
    assert run.exit_code == 2
    assert "--lesion[0]: label 7 is not in the mask" in run.stderr
