"""pyradiomics feature names -> IBSI 1 feature tags, and the IBSI comparison rule (pure).

The mapping follows pyradiomics' own ``labs/pyradiomics-dcm/resources/featuresDict_IBSIv7.tsv`` and the IBSI
reference manual (Zwanenburg et al., arXiv:1612.07003, chapter 3): GLCM and GLRLM features are computed by
pyradiomics per direction and averaged (IBSI "3D, averaged", ``_3D_avg``), GLSZM/NGTDM on one 3D matrix (``_3D``),
and pyradiomics' GLDM with ``gldm_a = 0`` is IBSI's NGLDM (``ngl_*``, coarseness 0). pyradiomics features without an
IBSI counterpart (``Maximum2DDiameter*``, ``TotalEnergy``, ``MCC``) stay under their native names.
"""

from __future__ import annotations

import math

#: ``(pyradiomics class, feature) -> IBSI tag`` for the 102 default 3D features that have one.
_SHAPE = {
    "MeshVolume": "morph_volume",
    "VoxelVolume": "morph_vol_approx",
    "SurfaceArea": "morph_area_mesh",
    "SurfaceVolumeRatio": "morph_av",
    "Sphericity": "morph_sphericity",
    "Maximum3DDiameter": "morph_diam",
    "MajorAxisLength": "morph_pca_maj_axis",
    "MinorAxisLength": "morph_pca_min_axis",
    "LeastAxisLength": "morph_pca_least_axis",
    "Elongation": "morph_pca_elongation",
    "Flatness": "morph_pca_flatness",
}
_FIRSTORDER = {
    "10Percentile": "stat_p10",
    "90Percentile": "stat_p90",
    "Energy": "stat_energy",
    "Entropy": "ih_entropy",
    "InterquartileRange": "stat_iqr",
    "Kurtosis": "stat_kurt",
    "Maximum": "stat_max",
    "MeanAbsoluteDeviation": "stat_mad",
    "Mean": "stat_mean",
    "Median": "stat_median",
    "Minimum": "stat_min",
    "Range": "stat_range",
    "RobustMeanAbsoluteDeviation": "stat_rmad",
    "RootMeanSquared": "stat_rms",
    "Skewness": "stat_skew",
    "Uniformity": "ih_uniformity",
    "Variance": "stat_var",
}
_GLCM = {
    "Autocorrelation": "cm_auto_corr",
    "JointAverage": "cm_joint_avg",
    "ClusterProminence": "cm_clust_prom",
    "ClusterShade": "cm_clust_shade",
    "ClusterTendency": "cm_clust_tend",
    "Contrast": "cm_contrast",
    "Correlation": "cm_corr",
    "DifferenceAverage": "cm_diff_avg",
    "DifferenceEntropy": "cm_diff_entr",
    "DifferenceVariance": "cm_diff_var",
    "Id": "cm_inv_diff",
    "Idm": "cm_inv_diff_mom",
    "Idmn": "cm_inv_diff_mom_norm",
    "Idn": "cm_inv_diff_norm",
    "Imc1": "cm_info_corr1",
    "Imc2": "cm_info_corr2",
    "InverseVariance": "cm_inv_var",
    "JointEnergy": "cm_energy",
    "JointEntropy": "cm_joint_entr",
    "MaximumProbability": "cm_joint_max",
    "SumAverage": "cm_sum_avg",
    "SumEntropy": "cm_sum_entr",
    "SumSquares": "cm_joint_var",
}
_GLRLM = {
    "GrayLevelNonUniformity": "rlm_glnu",
    "GrayLevelNonUniformityNormalized": "rlm_glnu_norm",
    "GrayLevelVariance": "rlm_gl_var",
    "HighGrayLevelRunEmphasis": "rlm_hgre",
    "LongRunEmphasis": "rlm_lre",
    "LongRunHighGrayLevelEmphasis": "rlm_lrhge",
    "LongRunLowGrayLevelEmphasis": "rlm_lrlge",
    "LowGrayLevelRunEmphasis": "rlm_lgre",
    "RunEntropy": "rlm_rl_entr",
    "RunLengthNonUniformity": "rlm_rlnu",
    "RunLengthNonUniformityNormalized": "rlm_rlnu_norm",
    "RunPercentage": "rlm_r_perc",
    "RunVariance": "rlm_rl_var",
    "ShortRunEmphasis": "rlm_sre",
    "ShortRunHighGrayLevelEmphasis": "rlm_srhge",
    "ShortRunLowGrayLevelEmphasis": "rlm_srlge",
}
_GLSZM = {
    "GrayLevelNonUniformity": "szm_glnu",
    "GrayLevelNonUniformityNormalized": "szm_glnu_norm",
    "GrayLevelVariance": "szm_gl_var",
    "HighGrayLevelZoneEmphasis": "szm_hgze",
    "LargeAreaEmphasis": "szm_lze",
    "LargeAreaHighGrayLevelEmphasis": "szm_lzhge",
    "LargeAreaLowGrayLevelEmphasis": "szm_lzlge",
    "LowGrayLevelZoneEmphasis": "szm_lgze",
    "SizeZoneNonUniformity": "szm_zsnu",
    "SizeZoneNonUniformityNormalized": "szm_zsnu_norm",
    "SmallAreaEmphasis": "szm_sze",
    "SmallAreaHighGrayLevelEmphasis": "szm_szhge",
    "SmallAreaLowGrayLevelEmphasis": "szm_szlge",
    "ZoneEntropy": "szm_zs_entr",
    "ZonePercentage": "szm_z_perc",
    "ZoneVariance": "szm_zs_var",
}
_GLDM = {
    "DependenceEntropy": "ngl_dc_entr",
    "DependenceNonUniformity": "ngl_dcnu",
    "DependenceNonUniformityNormalized": "ngl_dcnu_norm",
    "DependenceVariance": "ngl_dc_var",
    "GrayLevelNonUniformity": "ngl_glnu",
    "GrayLevelVariance": "ngl_gl_var",
    "HighGrayLevelEmphasis": "ngl_hgce",
    "LargeDependenceEmphasis": "ngl_hde",
    "LargeDependenceHighGrayLevelEmphasis": "ngl_hdhge",
    "LargeDependenceLowGrayLevelEmphasis": "ngl_hdlge",
    "LowGrayLevelEmphasis": "ngl_lgce",
    "SmallDependenceEmphasis": "ngl_lde",
    "SmallDependenceHighGrayLevelEmphasis": "ngl_ldhge",
    "SmallDependenceLowGrayLevelEmphasis": "ngl_ldlge",
}
_NGTDM = {
    "Busyness": "ngt_busyness",
    "Coarseness": "ngt_coarseness",
    "Complexity": "ngt_complexity",
    "Contrast": "ngt_contrast",
    "Strength": "ngt_strength",
}


def _build() -> dict[str, str]:
    out: dict[str, str] = {}
    for cls, table, suffix in (
        ("shape", _SHAPE, ""),
        ("firstorder", _FIRSTORDER, ""),
        ("glcm", _GLCM, "_3D_avg"),
        ("glrlm", _GLRLM, "_3D_avg"),
        ("glszm", _GLSZM, "_3D"),
        ("gldm", _GLDM, "_3D"),
        ("ngtdm", _NGTDM, "_3D"),
    ):
        for name, tag in table.items():
            out[f"original_{cls}_{name}"] = tag + suffix
    return out


#: pyradiomics output key (``original_<class>_<Feature>``) -> IBSI tag.
PYRADIOMICS_TO_IBSI: dict[str, str] = _build()


#: IBSI tag -> IBSI permanent identifier (reference manual ch. 3; the code values of DICOM's ``IBSI`` scheme).
IBSI_IDS: dict[str, str] = {
    "morph_volume": "RNU0",
    "morph_vol_approx": "YEKZ",
    "morph_area_mesh": "C0JK",
    "morph_av": "2PR5",
    "morph_sphericity": "QCFX",
    "morph_diam": "L0JK",
    "morph_pca_maj_axis": "TDIC",
    "morph_pca_min_axis": "P9VJ",
    "morph_pca_least_axis": "7J51",
    "morph_pca_elongation": "Q3CK",
    "morph_pca_flatness": "N17B",
    "stat_p10": "QG58",
    "stat_p90": "8DWT",
    "stat_energy": "N8CA",
    "ih_entropy": "TLU2",
    "stat_iqr": "SALO",
    "stat_kurt": "IPH6",
    "stat_max": "84IY",
    "stat_mad": "4FUA",
    "stat_mean": "Q4LE",
    "stat_median": "Y12H",
    "stat_min": "1GSF",
    "stat_range": "2OJQ",
    "stat_rmad": "1128",
    "stat_rms": "5ZWQ",
    "stat_skew": "KE2A",
    "ih_uniformity": "BJ5W",
    "stat_var": "ECT3",
    "cm_auto_corr_3D_avg": "QWB0",
    "cm_joint_avg_3D_avg": "60VM",
    "cm_clust_prom_3D_avg": "AE86",
    "cm_clust_shade_3D_avg": "7NFM",
    "cm_clust_tend_3D_avg": "DG8W",
    "cm_contrast_3D_avg": "ACUI",
    "cm_corr_3D_avg": "NI2N",
    "cm_diff_avg_3D_avg": "TF7R",
    "cm_diff_entr_3D_avg": "NTRS",
    "cm_diff_var_3D_avg": "D3YU",
    "cm_inv_diff_3D_avg": "IB1Z",
    "cm_inv_diff_mom_3D_avg": "WF0Z",
    "cm_inv_diff_mom_norm_3D_avg": "1QCO",
    "cm_inv_diff_norm_3D_avg": "NDRX",
    "cm_info_corr1_3D_avg": "R8DG",
    "cm_info_corr2_3D_avg": "JN9H",
    "cm_inv_var_3D_avg": "E8JP",
    "cm_energy_3D_avg": "8ZQL",
    "cm_joint_entr_3D_avg": "TU9B",
    "cm_joint_max_3D_avg": "GYBY",
    "cm_sum_avg_3D_avg": "ZGXS",
    "cm_sum_entr_3D_avg": "P6QZ",
    "cm_joint_var_3D_avg": "UR99",
    "rlm_glnu_3D_avg": "R5YN",
    "rlm_glnu_norm_3D_avg": "OVBL",
    "rlm_gl_var_3D_avg": "8CE5",
    "rlm_hgre_3D_avg": "G3QZ",
    "rlm_lre_3D_avg": "W4KF",
    "rlm_lrhge_3D_avg": "3KUM",
    "rlm_lrlge_3D_avg": "IVPO",
    "rlm_lgre_3D_avg": "V3SW",
    "rlm_rl_entr_3D_avg": "HJ9O",
    "rlm_rlnu_3D_avg": "W92Y",
    "rlm_rlnu_norm_3D_avg": "IC23",
    "rlm_r_perc_3D_avg": "9ZK5",
    "rlm_rl_var_3D_avg": "SXLW",
    "rlm_sre_3D_avg": "22OV",
    "rlm_srhge_3D_avg": "GD3A",
    "rlm_srlge_3D_avg": "HTZT",
    "szm_glnu_3D": "JNSA",
    "szm_glnu_norm_3D": "Y1RO",
    "szm_gl_var_3D": "BYLV",
    "szm_hgze_3D": "5GN9",
    "szm_lze_3D": "48P8",
    "szm_lzhge_3D": "J17V",
    "szm_lzlge_3D": "YH51",
    "szm_lgze_3D": "XMSY",
    "szm_zsnu_3D": "4JP3",
    "szm_zsnu_norm_3D": "VB3A",
    "szm_sze_3D": "5QRC",
    "szm_szhge_3D": "HW1V",
    "szm_szlge_3D": "5RAI",
    "szm_zs_entr_3D": "GU8N",
    "szm_z_perc_3D": "P30P",
    "szm_zs_var_3D": "3NSA",
    "ngl_dc_entr_3D": "FCBV",
    "ngl_dcnu_3D": "Z87G",
    "ngl_dcnu_norm_3D": "OKJI",
    "ngl_dc_var_3D": "DNX2",
    "ngl_glnu_3D": "FP8K",
    "ngl_gl_var_3D": "1PFV",
    "ngl_hgce_3D": "OAE7",
    "ngl_hde_3D": "IMOQ",
    "ngl_hdhge_3D": "9QMG",
    "ngl_hdlge_3D": "NBZI",
    "ngl_lgce_3D": "TL9H",
    "ngl_lde_3D": "SODN",
    "ngl_ldhge_3D": "JA6D",
    "ngl_ldlge_3D": "EQ3F",
    "ngt_busyness_3D": "NQ30",
    "ngt_coarseness_3D": "QCDE",
    "ngt_complexity_3D": "HDEZ",
    "ngt_contrast_3D": "65HE",
    "ngt_strength_3D": "1X9X",
}


def round_significant(value: float, digits: int = 3) -> float:
    """``value`` rounded to ``digits`` significant digits (IBSI reference values are given this way)."""
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, digits - 1 - math.floor(math.log10(abs(value))))


def passes_ibsi(value: float, reference: float, tolerance: float) -> bool:
    """IBSI 1 pass rule as in the IBSI lead's test suite (MIRP ``test/ibsi_1_test.py``, ``within_tolerance``):
    round to 3 significant digits, then ``|rounded - reference| <= tolerance`` (up to machine epsilon)."""
    return abs(round_significant(value) - reference) - tolerance <= 1e-12 * max(1.0, abs(reference))
