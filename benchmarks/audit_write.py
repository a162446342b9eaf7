"""Audited writes per second through the write verb (``services.patients.create_patient``: one patient row and
its audit row in one transaction), on a fresh SQLite (WAL) database, single writer.

Run it once with this checkout and once with a checkout from before the keyed chain to compare (same machine,
same run)::

    PYTHONPATH=src python benchmarks/audit_write.py
    PYTHONPATH=/path/to/older/src python benchmarks/audit_write.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path


def main(n: int = 2000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["IOGUIDE_INSTANCE_DIR"] = tmp
        from ioguide.records.db import open_database
        from ioguide.records.migrate import upgrade
        from ioguide.services import patients
        from ioguide.services.context import Actor

        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        db = open_database(url)
        actor = Actor("bench", "coordinator")
        patients.create_patient(db, actor, patients.PatientIn(study_id="warm", program="B"))
        start = time.perf_counter()
        for i in range(n):
            patients.create_patient(db, actor, patients.PatientIn(study_id=f"B-{i}", program="B"))
        elapsed = time.perf_counter() - start
        db.dispose()
    print(f"{n} audited writes in {elapsed:.2f} s: {n / elapsed:.0f} writes/s ({sys.argv[0]})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
