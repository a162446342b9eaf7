"""DICOM SEG and TID 1500 Measurement Report for measured lesions, with highdicom (Herrmann et al., J Digit Imaging
2022;35:1719).

- SEG (DICOM PS3.3 §A.51): one BINARY segment per lesion label on its source CT/MR series; the segment's tracking
  identifier is the lesion id (the same id the records store and the response assessment use), its tracking UID
  is new and unique.
- SR (PS3.16 TID 1500 "Measurement Report"): per SEG segment a TID 1411 volumetric group and a TID 1501 group,
  both with the lesion id as tracking identifier; long and short axis (SCT 103339001 / 103340004) in mm, each with
  its end points as a SCOORD3D POLYLINE in the frame of reference of the series; volume (SCT 118565006) in mL;
  maximum 3D diameter and mesh volume coded with their IBSI ids; optional radiomics features coded in the ``IBSI`` coding scheme
  (code value = IBSI permanent id); an optional timepoint response as a qualitative evaluation
  "Current Response" (DCM 112048) in a TID 1501 group.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import highdicom as hd
import numpy as np
from highdicom.sr.coding import CodedConcept
from numpy.typing import NDArray
from pydicom.dataset import Dataset
from pydicom.sr.codedict import codes
from pydicom.sr.coding import Code

from ioguide.errors import InputError
from ioguide.imaging.ibsi import IBSI_IDS
from ioguide.imaging.measure import LesionMeasurement

MANUFACTURER = "ioguide"
MODEL = "ioguide imaging"
SOFTWARE_VERSION = "0.1.0"
MM = Code("mm", "UCUM", "millimeter")
ML = Code("mL", "UCUM", "milliliter")
NO_UNITS = Code("1", "UCUM", "no units")
MM3 = Code("mm3", "UCUM", "cubic millimeter")
MM2 = Code("mm2", "UCUM", "square millimeter")
PER_MM = Code("/mm", "UCUM", "per millimeter")
HU = Code("[hnsf'U]", "UCUM", "Hounsfield unit")
HU2 = Code("[hnsf'U]2", "UCUM", "Hounsfield unit squared")
CURRENT_RESPONSE = Code("112048", "DCM", "Current Response")
#: Response categories of spec/response.md as codes of ioguide's private scheme (no standard code covers iRECIST).
RESPONSE_SCHEME = "99IOGUIDE"
RESPONSE_MEANINGS = {
    "CR": "Complete response",
    "PR": "Partial response",
    "SD": "Stable disease",
    "PD": "Progressive disease",
    "NON_CR_NON_PD": "Non-CR/non-PD",
    "NE": "Not evaluable",
    "iCR": "iRECIST complete response",
    "iPR": "iRECIST partial response",
    "iSD": "iRECIST stable disease",
    "NON_iCR_NON_iUPD": "iRECIST non-iCR/non-iUPD",
    "iUPD": "iRECIST unconfirmed progressive disease",
    "iCPD": "iRECIST confirmed progressive disease",
}


@dataclass(frozen=True, slots=True)
class LesionRef:
    """A label of the mask and the lesion id it stands for (tracking identifier in SEG and SR)."""

    label: int
    lesion_id: str


def parse_lesion_ids(pairs: Sequence[str], labels: Sequence[int]) -> list[LesionRef]:
    """``LABEL=ID`` pairs for the labels present (a label without a pair gets id ``lesion-<label>``)."""
    given: dict[int, str] = {}
    for n, pair in enumerate(pairs):
        label_text, sep, lesion_id = pair.partition("=")
        if not sep or not label_text.strip().isdigit() or not lesion_id.strip():
            raise InputError.one(f"--lesion[{n}]", f"{pair!r} is not LABEL=LESION_ID (e.g. 1=T1)")
        label = int(label_text)
        if label not in labels:
            raise InputError.one(f"--lesion[{n}]", f"label {label} is not in the mask (labels present: {list(labels)})")
        given[label] = lesion_id.strip()
    return [LesionRef(lab, given.get(lab, f"lesion-{lab}")) for lab in labels]


def _new_instance(series_number: int) -> dict[str, Any]:
    """Identity of a new object written by ioguide: new series and instance UIDs, instance 1, the manufacturer."""
    return {
        "series_instance_uid": hd.UID(),
        "series_number": series_number,
        "sop_instance_uid": hd.UID(),
        "instance_number": 1,
        "manufacturer": MANUFACTURER,
    }


def write_seg(
    source: Sequence[Dataset], labels_kji: NDArray[np.int32], lesions: Sequence[LesionRef], series_number: int = 300
) -> hd.seg.Segmentation:
    """A BINARY DICOM SEG with one segment per lesion (empty frames omitted); ``source`` sorted as the mask's k."""
    if not source:
        raise InputError.one("image", "a DICOM SEG needs the DICOM series of the image (not a NIfTI file)")
    descriptions = []
    stack = np.zeros((*labels_kji.shape, len(lesions)), dtype=bool)
    for n, lesion in enumerate(lesions, start=1):
        stack[..., n - 1] = labels_kji == lesion.label
        descriptions.append(
            hd.seg.SegmentDescription(
                segment_number=n,
                segment_label=lesion.lesion_id,
                segmented_property_category=codes.SCT.MorphologicallyAbnormalStructure,
                segmented_property_type=codes.SCT.Neoplasm,
                algorithm_type=hd.seg.SegmentAlgorithmTypeValues.MANUAL,
                tracking_uid=hd.UID(),
                tracking_id=lesion.lesion_id,
            )
        )
    return hd.seg.Segmentation(
        source_images=list(source),
        pixel_array=stack,
        segmentation_type=hd.seg.SegmentationTypeValues.BINARY,
        segment_descriptions=descriptions,
        **_new_instance(series_number),
        manufacturer_model_name=MODEL,
        software_versions=SOFTWARE_VERSION,
        device_serial_number="0",
        series_description="ioguide lesion segmentation",
    )


def seg_segments(seg: Dataset) -> dict[int, tuple[str, str]]:
    """Segment number -> (tracking id, tracking UID) of a DICOM SEG."""
    out = {}
    for item in seg.SegmentSequence:
        out[int(item.SegmentNumber)] = (
            str(item.get("TrackingID", item.SegmentLabel)),
            str(item.get("TrackingUID", "")),
        )
    return out


def feature_unit(tag: str) -> Code:
    """UCUM unit of an IBSI feature: lengths mm, areas mm2, volumes mm3, surface/volume per mm, CT intensities HU."""
    if tag in ("morph_volume", "morph_vol_approx"):
        return MM3
    if tag == "morph_area_mesh":
        return MM2
    if tag == "morph_av":
        return PER_MM
    if tag in ("morph_diam", "morph_pca_maj_axis", "morph_pca_min_axis", "morph_pca_least_axis"):
        return MM
    if tag in ("stat_var", "stat_energy"):
        return HU2
    if tag.startswith("stat_") and tag not in ("stat_skew", "stat_kurt"):
        return HU
    return NO_UNITS


def ibsi_code(tag: str) -> Code:
    """The IBSI coding-scheme concept of a feature tag (code value = IBSI permanent id; DICOM PS3.16 "IBSI")."""
    return Code(IBSI_IDS[tag], "IBSI", tag)


def _line(points: tuple[tuple[float, float, float], ...], frame_uid: str) -> hd.sr.CoordinatesForMeasurement3D:
    return hd.sr.CoordinatesForMeasurement3D(
        graphic_type=hd.sr.GraphicTypeValues3D.POLYLINE,
        graphic_data=np.asarray(points, dtype=np.float64),
        frame_of_reference_uid=frame_uid,
    )


def lesion_groups(
    seg: Dataset,
    segment_number: int,
    measured: LesionMeasurement,
    features: dict[str, float],
    frame_uid: str,
    source_series_uid: str,
) -> list[hd.sr.VolumetricROIMeasurementsAndQualitativeEvaluations | hd.sr.MeasurementsAndQualitativeEvaluations]:
    """The two groups of one lesion, both tracked by the lesion id and the SEG segment's tracking UID:

    - TID 1411 (volumetric ROI = the SEG segment): volume, mesh volume, maximum 3D diameter, IBSI-coded features;
    - TID 1501 (measurements with their own coordinates): RECIST long and short axis, each inferred from a
      SCOORD3D POLYLINE of its two end points (TID 1411 forbids coordinates on its measurements, PS3.16 TID 1419).
    """
    lesion_id, tracking_uid = seg_segments(seg)[segment_number]
    tracking = hd.sr.TrackingIdentifier(uid=tracking_uid or hd.UID(), identifier=lesion_id)
    diameters = [
        hd.sr.Measurement(
            name=codes.SCT.LongAxis,
            value=round(measured.long_axis_mm, 1),
            unit=MM,
            referenced_coordinates=[_line(measured.long_axis_endpoints_patient_mm, frame_uid)],
        ),
        hd.sr.Measurement(
            name=codes.SCT.ShortAxis,
            value=round(measured.short_axis_mm, 1),
            unit=MM,
            referenced_coordinates=[_line(measured.short_axis_endpoints_patient_mm, frame_uid)],
        ),
    ]
    volumetric = [hd.sr.Measurement(name=codes.SCT.Volume, value=round(measured.volume_mm3 / 1000.0, 3), unit=ML)]
    own = {"morph_volume": measured.mesh_volume_mm3, "morph_diam": measured.max_3d_diameter_mm}
    for tag, value in {**own, **features}.items():
        if tag in IBSI_IDS and np.isfinite(value):
            volumetric.append(hd.sr.Measurement(name=ibsi_code(tag), value=float(value), unit=feature_unit(tag)))
    return [
        hd.sr.VolumetricROIMeasurementsAndQualitativeEvaluations(
            tracking_identifier=tracking,
            referenced_segment=hd.sr.ReferencedSegment(
                sop_class_uid=seg.SOPClassUID,
                sop_instance_uid=seg.SOPInstanceUID,
                segment_number=segment_number,
                source_series=hd.sr.SourceSeriesForSegmentation(source_series_uid),
            ),
            finding_type=codes.SCT.Neoplasm,
            measurements=volumetric,
        ),
        hd.sr.MeasurementsAndQualitativeEvaluations(
            tracking_identifier=tracking, finding_type=codes.SCT.Neoplasm, measurements=diameters
        ),
    ]


def response_group(response: str) -> hd.sr.MeasurementsAndQualitativeEvaluations:
    """TID 1501 group holding the timepoint response (spec/response.md codes)."""
    if response not in RESPONSE_MEANINGS:
        raise InputError.one("--response", f"{response!r} is not one of {list(RESPONSE_MEANINGS)}")
    return hd.sr.MeasurementsAndQualitativeEvaluations(
        tracking_identifier=hd.sr.TrackingIdentifier(uid=hd.UID(), identifier="timepoint response"),
        qualitative_evaluations=[
            hd.sr.QualitativeEvaluation(
                name=CURRENT_RESPONSE, value=Code(response, RESPONSE_SCHEME, RESPONSE_MEANINGS[response])
            )
        ],
    )


def write_sr(
    source: Sequence[Dataset],
    seg: Dataset,
    groups: Sequence[
        hd.sr.VolumetricROIMeasurementsAndQualitativeEvaluations | hd.sr.MeasurementsAndQualitativeEvaluations
    ],
    observer: str = "ioguide",
    series_number: int = 301,
) -> hd.sr.Comprehensive3DSR:
    """The TID 1500 Measurement Report as a Comprehensive 3D SR (SCOORD3D needs it), with the series and SEG as
    evidence."""
    report = hd.sr.MeasurementReport(
        observation_context=hd.sr.ObservationContext(
            observer_device_context=hd.sr.ObserverContext(
                observer_type=codes.DCM.Device,
                observer_identifying_attributes=hd.sr.DeviceObserverIdentifyingAttributes(
                    uid=hd.UID(), name=observer, manufacturer_name=MANUFACTURER, model_name=MODEL
                ),
            )
        ),
        procedure_reported=CodedConcept("25045-6", "LN", "CT unspecified body region"),
        imaging_measurements=list(groups),
    )
    return hd.sr.Comprehensive3DSR(
        evidence=[*source, seg],
        content=report,
        **_new_instance(series_number),
        is_complete=True,
        series_description="ioguide measurement report",
    )
