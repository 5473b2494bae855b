"""Run every benchmark in bench/ (files not starting with an underscore), one after another.

Each prints its own figures next to a baseline measured in the same run, so the ratios stay meaningful on a
shared, noisy machine. Pass names to run only some: `python bench/run.py ingest_throughput`.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def main() -> None:
    wanted = set(sys.argv[1:])
    scripts = sorted(p for p in BENCH.glob("*.py") if not p.name.startswith("_") and p.name != "run.py")
    failed = []
    for script in scripts:
        if wanted and script.stem not in wanted:
            continue
        print(f"\n### {script.stem}", flush=True)
        started = time.perf_counter()
        if subprocess.run([sys.executable, str(script)], cwd=BENCH.parent).returncode != 0:
            failed.append(script.stem)
        print(f"({script.stem} took {time.perf_counter() - started:.0f} s)", flush=True)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
