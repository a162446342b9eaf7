"""Exports that leave ioguide: FHIR R4 Bundles (mCODE STU4 profiles) and CDISC SDTM TU/TR/RS/PR/EC datasets.

The transforms (``fhir``, ``sdtm``) are pure: typed inputs (``inputs``) in, JSON-ready documents or row tables out.
Files (CSV, SAS XPORT v5, Define-XML 2.1) are written by ``files`` and ``define``; ``ioguide.services.exports``
builds the inputs from the records store. One lesion key (the case's lesion ``id``) is used everywhere: see ``identity``.
"""
