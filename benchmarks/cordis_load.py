"""Benchmark: `smekg import cordis` on a CORDIS download of the size of Horizon Europe's.

    .venv/bin/python benchmarks/cordis_load.py [--projects 20000] [--seed 42] [--out DIR]
        [--topics 'HORIZON-EIE-*'] [--skip-whole] [--skip-pages] [--country IT]

Generates the download with ``benchmarks/cordis_table.py`` (20,000 projects, about
100,000 participation rows and 40,000 organisations; zipped as CORDIS distributes it, the
CSVs in a ``csv/`` folder), loads the bundled data into a store once (``smekg load``),
then for each run copies that store and times ``smekg import cordis ZIP`` into the copy as
a child process: the whole download, and filtered to one topic family (``--topics``).
Prints the wall-clock seconds, the rows read per second (project and participation rows)
and the child's peak RSS (``resource.getrusage(RUSAGE_CHILDREN)`` of a wrapper process that
runs only that child), with what the import kept.

Then (unless ``--skip-pages``) it serves the whole run's store (``smekg serve``) and times
the pages of projects over real HTTP as ``benchmarks/web_pages.py`` does (one request at a
time, gzip, a new connection each; a first request apart, 3 warm-up, 20 timed): the list
of projects, filtered by a partner's country (``--country``) and by topic, in the web app
and in the REST API, and the page of a project. Target: each web page's p50 < 200 ms.

Not a unit test: the figures depend on the machine (its CPU count and load are printed).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cordis_table import write_cordis, zip_cordis  # a sibling script
from web_pages import Page, _line, _q, get_json, measure_page  # a sibling script

SMEKG = str(Path(sys.executable).with_name("smekg"))
# runs one command and prints its peak RSS (KiB, Linux) last, on stderr
_WRAPPER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:]).returncode\n"
    "print(f'peak-rss-kib {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}', "
    "file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def _timed(arguments: list[str], store: Path) -> tuple[float, float, str]:
    """Seconds, peak RSS (MiB) and output of ``smekg ARGUMENTS`` on ``store``."""
    env = {**os.environ, "SMEKG_STORE": str(store), "COLUMNS": "120"}
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", _WRAPPER, SMEKG, *arguments],
                            capture_output=True, text=True, env=env, check=False)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"smekg {' '.join(arguments)} failed:\n{result.stdout}\n"
                         f"{result.stderr}")
    match = re.search(r"peak-rss-kib (\d+)", result.stderr)
    rss = int(match.group(1)) / 1024 if match else float("nan")
    return seconds, rss, result.stdout + result.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, help="working folder (default: a temporary one)")
    parser.add_argument("--topics", default="HORIZON-EIE-*",
                        help="the topic family of the filtered run")
    parser.add_argument("--skip-whole", action="store_true",
                        help="only the filtered run (the whole one takes minutes)")
    parser.add_argument("--skip-pages", action="store_true",
                        help="do not serve the whole run's store and time its pages")
    parser.add_argument("--country", default="IT",
                        help="the partner country of the filtered pages")
    args = parser.parse_args()
    work = args.out or Path(tempfile.mkdtemp(prefix="smekg-cordis-bench-"))
    work.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    summary = write_cordis(work / "data", args.projects, args.seed)
    archive = zip_cordis(work / "data", work / "cordis-HORIZONprojects-csv.zip")
    rows = summary.projects + summary.participations
    print(f"generated {summary.projects:,} projects ({summary.eie_projects:,} HORIZON-EIE), "
          f"{summary.participations:,} participation rows, {summary.organisations:,} "
          f"organisations; CSV {sum(summary.bytes.values()) / 1e6:.1f} MB, zip "
          f"{archive.stat().st_size / 1e6:.1f} MB ({time.perf_counter() - started:.1f} s)")
    base = work / "bundled-store"
    if not base.exists():
        seconds, _, _ = _timed(["load"], base)
        print(f"bundled data loaded once in {seconds:.1f} s")

    runs = [("filtered", ["--topics", args.topics])]
    if not args.skip_whole:
        runs.insert(0, ("whole", []))
    print(f"machine: {os.cpu_count()} CPUs, {platform.platform()}, Python "
          f"{platform.python_version()}, load average {os.getloadavg()[0]:.1f} at start")
    print(f"{'run':<10} {'seconds':>8} {'rows/s':>9} {'peak RSS':>10}  kept")
    for name, filters in runs:
        store = work / f"store-{name}"
        shutil.rmtree(store, ignore_errors=True)
        shutil.copytree(base, store)
        command = ["import", "cordis", str(archive), *filters]
        seconds, rss, output = _timed(command, store)
        kept = re.search(r"kept ([\d,]+ projects, [\d,]+ organisations, [\d,]+ participations)",
                         " ".join(output.split()))
        print(f"{name:<10} {seconds:8.1f} {rows / seconds:9,.0f} {rss:7,.0f} MiB  "
              f"{kept.group(1) if kept else '?'}   (smekg {' '.join(command)})", flush=True)
    if not args.skip_whole and not args.skip_pages:
        time_pages(work / "store-whole", args.country, args.topics, work / "serve.log")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


def time_pages(store: Path, country: str, topics: str, log: Path) -> None:
    """Serve ``store`` and time the pages of projects (see the module's notes)."""
    from harness import Server, free_port

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("SMEKG_STORE", None)
    server = Server("smekg serve", [SMEKG, "serve", "--store", str(store), "--host",
                                    "127.0.0.1", "--port", str(port)],
                    ready_url=f"{base}/health", log=log, ready_timeout=900, env=env)
    with server:
        print(f"served in {server.ready_seconds:.1f} s (the index built)")
        found = get_json(base, f"/projects?country={_q(country)}&limit=1")
        project = found["results"][0]["code"] or found["results"][0]["iri"]
        c, t = _q(country), _q(topics)
        for page in (Page("projects", "/app/projects"),
                     Page(f"projects with a partner in {country}", f"/app/projects?country={c}"),
                     Page(f"projects of topics {topics}", f"/app/projects?topic={t}"),
                     Page(f"project {project}", f"/app/project/{_q(project)}"),
                     Page("REST /projects (first 100)", "/projects", "data"),
                     Page(f"REST /projects?country={country} (first 100)",
                          f"/projects?country={c}", "data"),
                     Page(f"REST /projects?country={country}, CSV (first 10,000)",
                          f"/projects?country={c}&format=csv&limit=10000", "data")):
            row = measure_page(base, page, requests=20, warmup=3, budget=30, timeout=300)
            print(f"page: {_line(row)}", flush=True)


if __name__ == "__main__":
    main()
