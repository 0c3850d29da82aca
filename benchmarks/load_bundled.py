"""Benchmark: load every bundled dataset into a fresh embedded store.

Run: ``.venv/bin/python benchmarks/load_bundled.py [--runs 5]``. Each run is a fresh
``smekg load`` process on an empty store; reports wall time (median, max), peak RSS
and the store size on disk after the write-ahead log is folded in (store reopened).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SMEKG = str(Path(sys.executable).with_name("smekg"))


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    times, sizes = [], []
    quads = ""
    for _ in range(args.runs):
        directory = Path(tempfile.mkdtemp()) / "store"
        env = {**os.environ, "SMEKG_STORE": str(directory)}
        started = time.perf_counter()
        result = subprocess.run(
            [SMEKG, "load"], env=env, capture_output=True, text=True, check=True
        )
        times.append(time.perf_counter() - started)
        quads = next(line for line in result.stdout.splitlines() if "quads in the store" in line)
        subprocess.run([SMEKG, "load"], env=env, capture_output=True, check=True)  # reopen
        sizes.append(_size(directory))
        shutil.rmtree(directory.parent)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    print(f"data: {quads.strip()}")
    print(
        f"load wall time over {args.runs} runs: median {statistics.median(times):.2f} s, "
        f"max {max(times):.2f} s"
    )
    print(f"peak RSS of a load process: {peak:.0f} MiB")
    print(f"store size on disk: {statistics.median(sizes) / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
