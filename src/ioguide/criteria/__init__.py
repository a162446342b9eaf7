"""Tumour response criteria: RECIST 1.1, iRECIST, itRECIST, mRECIST (HCC) and modified RECIST 1.1 for pleural
mesothelioma, computed from a patient's lesion measurements over time (``spec/response.md``).

Pure functions on immutable values; every result carries the rule and the numbers that produced it.
Entry points: :func:`ioguide.criteria.assess.assess_case` (typed) and :func:`ioguide.criteria.assess.assess_json`.
"""
