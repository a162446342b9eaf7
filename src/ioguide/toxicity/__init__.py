"""Toxicity grading: ASTCT 2019 CRS and ICANS, CTCAE v5.0/v6.0 terms (as data), CIRSE procedure complications.

Pure functions on typed values (no I/O apart from reading the rule tables shipped in ``ioguide/data``), one module
per rule set: :mod:`crs`, :mod:`icans`, :mod:`ctcae` (its rule tables in :mod:`ctcae_tables`, NCI's whole term
table in :mod:`ctcae_catalog`), :mod:`cirse`; the per-patient course in :mod:`timeline`, alerts in :mod:`alerts`.
Sources: Lee DW et al., Biol Blood Marrow Transplant 2019;25:625-38 (ASTCT); NCI CTCAE v5.0 (2017) and v6.0
(2025); Filippiadis DK et al., Cardiovasc Intervent Radiol 2017;40:1141-6 and 2026;49:2-6.
"""
