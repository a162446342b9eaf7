"""IBSI compliance of ``ioguide radiomics`` (pyradiomics + IBSI tags + IBSI corrections).

Reference: IBSI 1 (Zwanenburg et al., Radiology 2020;295:328; reference values from the IBSI documentation,
``../shared/ibsi/reference_values/ibsi_1_reference_values.csv``), pass rule as in the IBSI lead's test suite
(MIRP ``test/ibsi_1_test.py``): round to 3 significant digits, ``|value - reference| <= tolerance``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from imaging.support import CT_DIR, DIGITAL_IMAGE, DIGITAL_MASK, IBSI, reference_values
from ioguide.imaging.ibsi import PYRADIOMICS_TO_IBSI, passes_ibsi, round_significant
from ioguide.imaging.radiomics import extract, parse_params, pyradiomics_features
from ioguide.imaging.volumes import load_image, load_mask

pytestmark = pytest.mark.skipif(not IBSI.is_dir(), reason="IBSI reference data (../shared/ibsi) not present")

#: IBSI digital phantom rules (reference manual ch. 5): no interpolation, no discretisation (bin width 1 keeps the
#: grey levels 1..6), distance 1.
PHANTOM_PARAMS = {"setting": {"binWidth": 1}}
#: IBSI CT phantom configuration C: 2 mm isotropic trilinear, re-segmentation [-1000, 400] HU, fixed bin size 25.
CONFIG_C = {
    "setting": {
        "binWidth": 25,
        "resampledPixelSpacing": [2.0, 2.0, 2.0],
        "interpolator": "sitkLinear",
        "resegmentRange": [-1000, 400],
    }
}


@pytest.fixture(scope="module")
def phantom() -> tuple[Any, Any]:
    image = load_image(DIGITAL_IMAGE)
    return image, load_mask(DIGITAL_MASK, image)


def _table(
    features: dict[str, float], refs: dict[str, tuple[float, float]]
) -> list[tuple[str, float, float, float, bool]]:
    return [(tag, v, *refs[tag], passes_ibsi(v, *refs[tag])) for tag, v in features.items()]


def test_every_ibsi_tagged_feature_passes_on_the_digital_phantom(phantom: tuple[Any, Any]) -> None:
    image, labels = phantom
    result = extract(image.array, labels, image.grid, 1, parse_params(PHANTOM_PARAMS))
    refs = reference_values("digital_phantom")
    missing = sorted(set(result.features) - set(refs))
    assert not missing, f"tags without an IBSI reference value: {missing}"
    rows = _table(result.features, refs)
    print(f"\n{'tag':<30} {'value':>12} {'reference':>10} {'tol':>6} pass")
    for tag, value, ref, tol, ok in rows:
        print(f"{tag:<30} {round_significant(value):>12.6g} {ref:>10.6g} {tol:>6.3g} {'yes' if ok else 'NO'}")
    failed = [r for r in rows if not r[4]]
    assert not failed, failed
    assert len(rows) == 102


def test_ibsi_bins_start_at_the_resegmentation_bound() -> None:
    """IBSI §2.7 fixed bin size: bin = floor((x - lower) / width) + 1 (pyradiomics would start at -950 here)."""
    from ioguide.imaging.radiomics import ibsi_bin_edges

    values = np.array([-939.0, -926.0, 12.0, 399.0])
    edges = ibsi_bin_edges(values, -1000.0, 25.0)
    assert edges[0] == -1000.0 and edges[-1] > 399.0
    assert np.digitize(values, edges).tolist() == [3, 3, 41, 56]


def test_the_corrections_are_needed(phantom: tuple[Any, Any]) -> None:
    """pyradiomics alone misses exactly the three features ioguide corrects (research note §2.5):
    Kurtosis 2.645 (not excess, IBSI -0.355), MinorAxisLength 9.245 (IBSI 9.31 +/- 0.06), LeastAxisLength 8.478
    (IBSI 8.54 +/- 0.05)."""
    image, labels = phantom
    raw, voxels = pyradiomics_features(image.array, labels == 1, image.grid, parse_params(PHANTOM_PARAMS))
    refs = reference_values("digital_phantom")
    failed = sorted(tag for name, tag in PYRADIOMICS_TO_IBSI.items() if not passes_ibsi(raw[name], *refs[tag]))
    assert failed == ["morph_pca_least_axis", "morph_pca_min_axis", "stat_kurt"]
    assert voxels == 74
    assert raw["original_firstorder_Kurtosis"] - 3 == pytest.approx(-0.355, abs=5e-4)


def test_output_names_settings_and_native_names(phantom: tuple[Any, Any]) -> None:
    image, labels = phantom
    out = extract(image.array, labels, image.grid, 1, parse_params(PHANTOM_PARAMS)).as_dict()
    assert out["native_names"]["stat_kurt"] == "original_firstorder_Kurtosis"
    assert out["settings"]["binWidth"] == 1
    assert out["settings"]["library"] == "pyradiomics"
    assert out["settings"]["additionalInfo"] is False
    assert set(out["other_features"]) == {
        "original_shape_Maximum2DDiameterSlice",
        "original_shape_Maximum2DDiameterColumn",
        "original_shape_Maximum2DDiameterRow",
        "original_firstorder_TotalEnergy",
        "original_glcm_MCC",
    }


def test_crop_first_gives_the_same_values_as_the_full_volume(phantom: tuple[Any, Any]) -> None:
    """Cropping to the lesion plus a margin changes nothing: pad the phantom into a larger volume and compare."""
    image, labels = phantom
    big_img = np.pad(image.array, ((5, 5), (20, 20), (20, 20)), constant_values=0)
    big_lab = np.pad(labels, ((5, 5), (20, 20), (20, 20)), constant_values=0)
    from ioguide.imaging.grid import Grid

    grid = Grid(
        (big_img.shape[2], big_img.shape[1], big_img.shape[0]),
        image.grid.spacing_mm,
        (-40.0, -40.0, -10.0),
        image.grid.direction,
    )
    small = extract(image.array, labels, image.grid, 1, parse_params(PHANTOM_PARAMS)).features
    large = extract(big_img, big_lab, grid, 1, parse_params(PHANTOM_PARAMS)).features
    assert large == pytest.approx(small, rel=1e-9)


@pytest.mark.skipif(not CT_DIR.is_dir(), reason="IBSI CT phantom not present")
def test_ct_phantom_config_c_at_least_as_many_as_pyradiomics_alone() -> None:
    """Config C: ioguide must pass at least the features pyradiomics passes on its own (listed in the output)."""
    image = load_image(CT_DIR / "nifti/image/phantom.nii.gz")
    labels = load_mask(CT_DIR / "nifti/mask/mask.nii.gz", image)
    hu = np.round(image.array)  # IBSI advice for the NIfTI phantom: round to integers before processing
    params = parse_params(CONFIG_C)
    own = {"ibsiInterpolation": False, "roundIntensities": False, "ibsiDiscretisation": False}
    alone = parse_params({"setting": {**CONFIG_C["setting"], **own}})
    refs = reference_values("config_C")
    ours = extract(hu, labels, image.grid, 1, params).features
    raw, _ = pyradiomics_features(hu, labels == 1, image.grid, alone)  # pyradiomics' own resampling and bins
    ours_pass = sorted(t for t, v in ours.items() if t in refs and passes_ibsi(v, *refs[t]))
    theirs_pass = sorted(t for n, t in PYRADIOMICS_TO_IBSI.items() if t in refs and passes_ibsi(raw[n], *refs[t]))
    print(f"\nconfig C: ioguide {len(ours_pass)}/{len(ours)} pass: {ours_pass}")
    print(f"config C: pyradiomics alone {len(theirs_pass)} pass: {theirs_pass}")
    print(f"config C: ioguide fails: {sorted(set(ours) & set(refs) - set(ours_pass))}")
    assert set(theirs_pass) <= set(ours_pass)
    assert len(ours_pass) >= len(theirs_pass) > 0
    # measured 2026-11-29: ioguide 102/102 (IBSI interpolation and discretisation), pyradiomics alone 13/102
    assert len(ours_pass) == len(ours) == 102


def test_several_labels_cut_out_give_the_full_volume_values(phantom: tuple[Any, Any]) -> None:
    """extract_labels (one find_objects pass, per-lesion crop) equals extract on the full volume, label by label."""
    from ioguide.imaging.grid import Grid
    from ioguide.imaging.radiomics import extract_labels

    image, labels = phantom
    img = np.pad(image.array, ((0, 0), (0, 0), (0, 30)), mode="edge")
    lab = np.pad(labels, ((0, 0), (0, 0), (0, 30)))
    lab[:, :, 25:30] = 3 * labels  # the same lesion again as label 3, 25 voxels to the side
    img[:, :, 25:30] = image.array
    grid = Grid((35, 4, 4), image.grid.spacing_mm, (0.0, 0.0, 0.0), image.grid.direction)
    params = parse_params(PHANTOM_PARAMS)
    many = extract_labels(img, lab, grid, [1, 3], params)
    assert [r.label for r in many] == [1, 3]
    for r in many:
        assert r.features == pytest.approx(extract(img, lab, grid, r.label, params).features, rel=1e-12)
    assert many[0].features == pytest.approx(many[1].features, rel=1e-12)
