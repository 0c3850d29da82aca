"""Process plumbing of the benchmark suite: timed children with their peak RSS, servers
stopped in ``finally``, free loopback ports, the wrk load client, the machine description."""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent
REPO = BENCHMARKS.parent
WRK_SCRIPT = BENCHMARKS / "wrk_mix.lua"
SPARQL_JSON = "application/sparql-results+json"


class StepFailed(Exception):
    """A measurement that could not be made; the suite records ``failed: <reason>``."""


def mib(kib: float) -> float:
    return round(kib / 1024, 1)


def tail(path: Path, lines: int = 12) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


# -- children --------------------------------------------------------------------------
@dataclass
class Child:
    command: list[str]
    returncode: int
    seconds: float
    peak_rss_mib: float
    timed_out: bool
    log: Path

    def check(self, what: str) -> Child:
        if self.timed_out:
            raise StepFailed(f"{what} timed out after {self.seconds:.0f} s (log: {self.log})")
        if self.returncode != 0:
            last = [line.strip() for line in tail(self.log, 30).splitlines()
                    if line.strip() and not line.startswith("===")]
            reason = last[-1][:300] if last else "no output"
            raise StepFailed(f"{what} exited with {self.returncode}: {reason} "
                             f"(log: {self.log})")
        return self


def run_child(command: list[str], *, log: Path, timeout: float, env: dict | None = None,
              cwd: Path | None = None) -> Child:
    """Run ``command`` to its end (killed, with its process group, after ``timeout``
    seconds); output appended to ``log``; peak RSS from the child's rusage (``os.wait4``:
    the child and the descendants it waited for)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        out.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} $ {' '.join(command)}\n"
                  .encode())
        out.flush()
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, env=env, cwd=cwd,
                                   start_new_session=True)
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        except BaseException:
            kill()
            os.wait4(process.pid, 0)
            raise
        finally:
            timer.cancel()
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        with contextlib.suppress(ProcessLookupError):  # leftovers of the group
            os.killpg(process.pid, signal.SIGKILL)
        out.write(f"=== exit {process.returncode} after {seconds:.2f} s, peak RSS "
                  f"{mib(usage.ru_maxrss)} MiB\n".encode())
    return Child(command, process.returncode, seconds, mib(usage.ru_maxrss),
                 timed_out.is_set(), log)


def run_step_json(command: list[str], out: Path, *, log: Path, timeout: float,
                  what: str, env: dict | None = None) -> tuple[dict, Child]:
    """Run a benchmarks/steps.py step; its JSON figures and the child."""
    out.unlink(missing_ok=True)
    child = run_child(command, log=log, timeout=timeout, env=env).check(what)
    try:
        return json.loads(out.read_text(encoding="utf-8")), child
    except (OSError, ValueError) as error:
        raise StepFailed(f"{what} wrote no figures ({error}; log: {log})") from error


# -- servers ---------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(parents.get(current, []))
    return tree


def process_memory(pid: int) -> dict:
    """VmHWM (peak RSS) and VmRSS of ``pid`` and every descendant, in MiB; and their PSS
    now (proportional set size: a page mapped by several of them, such as the kept index
    the workers share through the page cache, counted once in all)."""
    rows = []
    pss = 0
    for member in _children(pid):
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        hwm = int(fields.get("VmHWM", "0 kB").split()[0])
        rss = int(fields.get("VmRSS", "0 kB").split()[0])
        rows.append((member, hwm, rss))
        try:
            rollup = Path(f"/proc/{member}/smaps_rollup").read_text()
        except OSError:
            continue
        pss += sum(int(line.split()[1]) for line in rollup.splitlines()
                   if line.startswith("Pss:"))
    return {
        "processes": len(rows),
        "peak_rss_mib": mib(sum(hwm for _, hwm, _ in rows)),
        "peak_rss_largest_mib": mib(max((hwm for _, hwm, _ in rows), default=0)),
        "rss_now_mib": mib(sum(rss for _, _, rss in rows)),
        "pss_now_mib": mib(pss),
    }


@dataclass(eq=False)
class Server:
    """A server process (group) started for a measurement and always stopped again."""

    name: str
    command: list[str]
    ready_url: str
    log: Path
    ready_timeout: float
    env: dict | None = None
    process: subprocess.Popen | None = None
    ready_seconds: float = 0.0
    memory: dict = field(default_factory=dict)

    def __enter__(self) -> Server:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        out = self.log.open("ab")
        out.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} $ {' '.join(self.command)}\n"
                  .encode())
        out.flush()
        started = time.perf_counter()
        self.process = subprocess.Popen(self.command, stdout=out, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, env=self.env,
                                        start_new_session=True)
        out.close()
        RUNNING.add(self)
        try:
            self._wait_ready(started)
        except BaseException:
            self.stop()
            raise
        self.ready_seconds = time.perf_counter() - started
        return self

    def _wait_ready(self, started: float) -> None:
        last = ""
        while time.perf_counter() - started < self.ready_timeout:
            if self.process.poll() is not None:
                raise StepFailed(f"{self.name} exited with {self.process.returncode} while "
                                 f"starting (log: {self.log}): {tail(self.log, 3)}")
            try:
                with urllib.request.urlopen(self.ready_url, timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError) as error:
                last = str(error)
            time.sleep(0.25)
        raise StepFailed(f"{self.name} not ready after {self.ready_timeout:.0f} s ({last}; "
                         f"log: {self.log})")

    def measure_memory(self) -> dict:
        if self.process is not None and self.process.poll() is None:
            self.memory = process_memory(self.process.pid)
        return self.memory

    def stop(self) -> None:
        process = self.process
        if process is None:
            return
        if process.poll() is None:
            self.measure_memory()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        with contextlib.suppress(ProcessLookupError):  # workers left in the group
            os.killpg(process.pid, signal.SIGKILL)
        RUNNING.discard(self)
        self.process = None

    def __exit__(self, *exc: object) -> None:
        self.stop()


RUNNING: set[Server] = set()


def stop_all_servers() -> None:
    for server in list(RUNNING):
        server.stop()


# -- HTTP ------------------------------------------------------------------------------
def sparql_path(base: str, query: str) -> str:
    return f"{base}?{urllib.parse.urlencode({'query': query})}"


def get(url: str, *, accept: str = SPARQL_JSON, timeout: float = 60) -> tuple[int, bytes, float]:
    request = urllib.request.Request(url, headers={"Accept": accept})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
            return response.status, body, time.perf_counter() - started
    except urllib.error.HTTPError as error:
        return error.code, error.read(), time.perf_counter() - started
    except (urllib.error.URLError, OSError) as error:  # timed out, refused, reset
        reason = getattr(error, "reason", error)
        return 0, f"no answer: {reason}".encode(), time.perf_counter() - started


def result_signature(body: bytes) -> tuple[int, list]:
    """The number of rows of a SPARQL JSON result and its rows as sorted value tuples."""
    data = json.loads(body)
    if "boolean" in data:
        return 1, [[str(data["boolean"])]]
    names = data["head"].get("vars", [])
    rows = [[binding.get(name, {}).get("value") for name in names]
            for binding in data["results"]["bindings"]]
    return len(rows), sorted(rows, key=lambda row: [str(v) for v in row])


# -- wrk -------------------------------------------------------------------------------
def wrk(base_url: str, paths: list[str], *, connections: int, threads: int, duration: float,
        timeout: float, paths_file: Path, log: Path, accept: str = SPARQL_JSON) -> dict:
    """Drive ``base_url`` with wrk (benchmarks/wrk_mix.lua rotating over ``paths``)."""
    paths_file.parent.mkdir(parents=True, exist_ok=True)
    paths_file.write_text("\n".join(paths) + "\n", encoding="utf-8")
    threads = max(1, min(threads, connections))
    command = [shutil.which("wrk") or "wrk", f"-t{threads}", f"-c{connections}",
               f"-d{max(1, round(duration))}s", "--latency", "--timeout",
               f"{max(1, round(timeout))}s", "-s", str(WRK_SCRIPT), base_url, "--",
               str(paths_file), accept]
    log.parent.mkdir(parents=True, exist_ok=True)
    try:
        result = subprocess.run(command, capture_output=True, text=True,
                                timeout=duration + timeout + 60)
    except subprocess.TimeoutExpired as error:
        raise StepFailed(f"wrk did not finish ({error})") from error
    with log.open("a", encoding="utf-8") as out:
        out.write(f"\n=== $ {' '.join(command[:-3])} {paths_file} ...\n{result.stdout}"
                  f"{result.stderr}")
    line = next((line for line in result.stdout.splitlines() if line.startswith("WRK_JSON ")),
                None)
    if result.returncode != 0 or line is None:
        raise StepFailed(f"wrk failed ({result.returncode}): {result.stderr.strip()[-300:]}")
    data = json.loads(line.removeprefix("WRK_JSON "))
    latency = data["latency_us"]
    percentiles = latency["percentiles"]
    seconds = data["duration_us"] / 1e6
    statuses = {str(k): v for k, v in data["statuses"].items()}
    errors = data["errors"]
    return {
        "connections": connections, "threads": threads, "duration_s": round(seconds, 2),
        "requests": data["requests"], "requests_per_s": data["requests"] / seconds,
        "p50_ms": percentiles["50"] / 1000, "p90_ms": percentiles["90"] / 1000,
        "p99_ms": percentiles["99"] / 1000, "mean_ms": latency["mean"] / 1000,
        "max_ms": latency["max"] / 1000, "statuses": statuses,
        "non_2xx": sum(n for status, n in statuses.items() if not status.startswith("2")),
        "socket_errors": errors["connect"] + errors["read"] + errors["write"]
        + errors["timeout"],
        "timeouts": errors["timeout"], "distinct_paths": data["paths"],
    }


# -- the machine -----------------------------------------------------------------------
def cpu_snapshot() -> tuple[float, float, float]:
    """(wall, CPU seconds of the whole machine, CPU seconds of this process and its reaped
    children), for :func:`other_cpu`."""
    import resource

    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    machine_seconds = (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")
    ours = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        ours += usage.ru_utime + usage.ru_stime
    return time.monotonic(), machine_seconds, ours


def other_cpu(before: tuple[float, float, float], after: tuple[float, float, float]) -> float:
    """Cores used on average by processes other than the suite's between two snapshots
    (Neo4j counts as other: it is no child of the suite)."""
    wall = after[0] - before[0]
    if wall <= 0:
        return 0.0
    return max(0.0, ((after[1] - before[1]) - (after[2] - before[2])) / wall)



def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def git_commit() -> dict:
    def git(*args: str) -> str:
        result = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)
        return result.stdout.strip()

    return {"commit": git("rev-parse", "HEAD"),
            "dirty": bool(git("status", "--porcelain", "--untracked-files=no"))}


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or platform.machine())
    meminfo = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
    ram = int(meminfo["MemTotal"].split()[0]) * 1024
    wrk_run = subprocess.run([shutil.which("wrk") or "wrk", "--version"],
                             capture_output=True, text=True)
    wrk_version = (wrk_run.stdout + wrk_run.stderr).splitlines()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": round(ram / 2**30, 1),
        "kernel": platform.release(),
        "os": _os_name(),
        "python": platform.python_version(),
        "packages": {name: _version(name) for name in
                     ("pyoxigraph", "oxigraph", "rdflib", "rdflib-endpoint", "pyshacl",
                      "neo4j", "fastapi", "uvicorn", "smekg")},
        "wrk": wrk_version[0].split(" [")[0] if wrk_version else None,
        "executable": sys.executable,
    }


def _os_name() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    return platform.system()
