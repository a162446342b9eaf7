"""Exposure models: drug PK by route (intratumoral vs intravenous), CAR-T cellular kinetics, virtual cohorts.

Pure core: no I/O beyond reading the packaged drug tables in ``ioguide/data/drugs``. Linear models are solved
exactly (closed forms or matrix exponentials), never with a step-size-dependent solver. Formulas and reference
numbers: ``shared/research/pk-cell-kinetics.md``; the command contract: ``shared/spec/simulation.md``.
"""
