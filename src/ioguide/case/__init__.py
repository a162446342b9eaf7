"""A patient's case as one set of immutable typed values, and the facts about it, each defined once.

The case is the core's :class:`ioguide.criteria.values.Case` (lesions declared at baseline, then timepoints),
parsed once at each boundary by :func:`ioguide.case.document.case_of` (the spec's case document, ``spec/response.md``
input, with the same rules and field paths as ``ioguide assess``). The planner, the exports, the pages and the
criteria read that value; :mod:`ioguide.case.facts` answers the questions several of them ask ("is this lesion
injected on this date", the baseline, a lesion's latest size up to a date). Pure: no I/O.
"""
