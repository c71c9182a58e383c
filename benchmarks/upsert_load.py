"""200 exam autosaves at once against the real servers, on a fresh SQLite database.

    .venv/bin/python benchmarks/upsert_load.py                  # the comparison (about 3 min)
    .venv/bin/python benchmarks/upsert_load.py --set cause      # the experiments behind the fix
    .venv/bin/python benchmarks/upsert_load.py --only gunicorn --duration 5

Each configuration starts benchmarks/bench_server.py (the product's serving code
around the product app plus a benchmark-only autosave endpoint, see
autosave_app.py) on 127.0.0.1 as a subprocess, against a copy of a database
made by ``exam-server init``, warms it up for 2 s, then drives it with wrk
(``apt-get install wrk``): 200 connections, each POSTing one autosave after
the other, for ``--duration`` seconds. Linux only (wrk, /proc).

Columns: requests/s; latency percentiles; errors (non-2xx answers and socket
errors); rows (answer slots saved); CPU ms/req (user+system CPU of the whole
server, all processes, per request: less sensitive than requests/s to other
load on the machine); load (1-minute load average before the run). The cause
set adds: loops/req (waitress's select loop iterations per request),
locked/req (times the I/O thread found a response's output locked by its
worker), and per request inside the app, means in ms: wall, CPU, waiting for
the write lock, holding it.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from autosave_app import prepare_database  # noqa: E402

LUA = HERE / "autosave.lua"
MAX_DURATION = 20
BUDGET_SECONDS = 290
WARMUP_SECONDS = 2
BEFORE = ["--waitress-option", "send_bytes=1"]  # waitress's own default, without the product's fix


@dataclass
class Config:
    name: str
    server: str
    workers: int = 1
    threads: int = 4
    txn: str = "product"
    path: str = "/bench/autosave"
    connections: int = 0  # 0: --connections
    server_args: list = field(default_factory=list)
    env: dict = field(default_factory=dict)


MAIN = [
    Config("gunicorn, 2 workers", "gunicorn", workers=2),
    Config("gunicorn, 4 workers", "gunicorn", workers=4),
    Config("gunicorn, 8 workers", "gunicorn", workers=8),
    Config("gunicorn, 4 workers, old deferred BEGIN", "gunicorn", workers=4, txn="deferred"),
    Config("waitress as shipped, 4 threads, old deferred BEGIN", "waitress", txn="deferred",
           server_args=BEFORE),
    Config("waitress as shipped, 4 threads", "waitress", server_args=BEFORE),
    Config("waitress as shipped, 16 threads", "waitress", threads=16, server_args=BEFORE),
    Config("waitress + fix, 4 threads", "waitress"),
    Config("waitress + fix, 8 threads (exam-server serve)", "waitress", threads=8),
    Config("waitress + fix, 16 threads", "waitress", threads=16),
]
CAUSE = [
    Config("waitress as shipped, 1 thread", "waitress", threads=1, server_args=BEFORE),
    Config("waitress + fix, 1 thread", "waitress", threads=1),
    Config("waitress as shipped, 4 threads", "waitress", server_args=BEFORE),
    Config("waitress + fix, 4 threads", "waitress"),
    Config("waitress as shipped, 4 threads, 4 connections", "waitress", connections=4,
           server_args=BEFORE),
    Config("waitress as shipped, 4 threads, no database (echo)", "waitress", path="/bench/echo",
           server_args=BEFORE),
    Config("waitress as shipped, 4 threads, switch interval 0.5 ms", "waitress", server_args=BEFORE,
           env={"BENCH_SWITCH_INTERVAL": "0.0005"}),
    Config("waitress as shipped, 4 threads, process-wide write lock", "waitress", txn="locked",
           server_args=BEFORE),
    Config("waitress + fix, 8 threads", "waitress", threads=8),
    Config("waitress + fix, 8 threads, process-wide write lock", "waitress", threads=8,
           txn="locked"),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def make_template(folder: Path) -> Path:
    """``exam-server init`` into ``folder``, then the benchmark tables."""
    env = dict(os.environ, EXAM_SERVER_INSTANCE=str(folder))
    exam_server = Path(sys.executable).with_name("exam-server")
    subprocess.run([str(exam_server), "init"], env=env, check=True, capture_output=True,
                   timeout=120)
    prepare_database(str(folder / "exam.sqlite3"))
    return folder


def group_cpu_seconds(pgid: int) -> float:
    """User+system CPU of every live process in process group ``pgid``."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # after the name: state, ppid, pgrp, ..., utime, stime
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def wait_until_ready(url: str, process: subprocess.Popen, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("server exited during start-up")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server not ready after {timeout} s")


def run_wrk(base: str, path: str, connections: int, seconds: int) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s",
               "-s", str(LUA), base]
    result = subprocess.run(command, env=dict(os.environ, BENCH_PATH=path), capture_output=True,
                            text=True, timeout=seconds + 40)
    for line in result.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise RuntimeError("wrk gave no result:\n" + result.stdout + result.stderr)


def stop(process: subprocess.Popen) -> None:
    """SIGTERM the server's process group, SIGKILL it if it is still there 10 s later."""
    for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(grace)
            return
        except subprocess.TimeoutExpired:
            continue


def trace_means(folder: Path) -> dict:
    rows = [tuple(map(float, line.split())) for trace in folder.glob("trace-*.txt")
            for line in trace.read_text().splitlines() if line.strip()]
    if not rows:
        return {}
    return {key: sum(row[i] for row in rows) / len(rows)
            for i, key in enumerate(("app_wall", "app_cpu", "lock_wait", "lock_hold"))}


def loop_counts(log: str) -> dict:
    for line in log.splitlines():
        if line.startswith("LOOPS "):
            pairs = (pair.split("=") for pair in line.split()[1:])
            return {"io_" + key: int(value) for key, value in pairs}
    return {}


def start_server(config: Config, folder: Path, port: int, diagnose: bool) -> subprocess.Popen:
    command = [sys.executable, str(HERE / "bench_server.py"), "--server", config.server,
               "--port", str(port), "--workers", str(config.workers),
               "--threads", str(config.threads), *config.server_args]
    env = dict(os.environ, EXAM_SERVER_INSTANCE=str(folder), BENCH_TXN=config.txn, **config.env)
    if config.server == "waitress":
        env["BENCH_POOL_SIZE"] = str(max(config.threads, 5))  # as exam-server serve sizes it
    if diagnose:
        env["BENCH_TRACE"] = str(folder)
        if config.server == "waitress":
            command.append("--count-loops")
    with open(folder / "server.log", "w") as log:
        return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)


def drive(config: Config, folder: Path, process: subprocess.Popen, base: str, args) -> dict:
    """Warm up, then measure: wrk's figures, the server's CPU seconds and the load before."""
    connections = config.connections or args.connections
    wait_until_ready(base + "/login", process)
    run_wrk(base + "/", config.path, connections, WARMUP_SECONDS)
    for trace in folder.glob("trace-*.txt"):
        trace.unlink()
    load, cpu = os.getloadavg()[0], group_cpu_seconds(process.pid)
    result = run_wrk(base + "/", config.path, connections, args.duration)
    return dict(result, load=load, cpu=group_cpu_seconds(process.pid) - cpu)


def measure(config: Config, template: Path, args, diagnose: bool) -> dict:
    """One configuration on a fresh copy of the template database."""
    folder = Path(tempfile.mkdtemp(prefix="upsert-load-"))
    try:
        for name in ("exam.sqlite3", "secret_key"):
            shutil.copy(template / name, folder / name)
        port = free_port()
        process = start_server(config, folder, port, diagnose)
        try:
            result = drive(config, folder, process, f"http://127.0.0.1:{port}", args)
        finally:
            stop(process)
        connection = sqlite3.connect(folder / "exam.sqlite3")
        result["rows"] = connection.execute("SELECT count(*) FROM bench_response").fetchone()[0]
        connection.close()
        log = (folder / "server.log").read_text(errors="replace")
        return dict(result, **trace_means(folder), **loop_counts(log))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def row(config: Config, r: dict, diagnose: bool) -> str:
    seconds = r["duration_us"] / 1e6
    errors = r["status"] + r["connect"] + r["read"] + r["write"] + r["timeout"]
    cells = [config.name, f"{r['requests'] / seconds:,.0f}",
             *(f"{r[key] / 1000:,.0f}" for key in ("p50_us", "p95_us", "p99_us")),
             f"{errors:,}", f"{r['rows']:,}", f"{1000 * r['cpu'] / max(r['requests'], 1):.1f}",
             f"{r['load']:.1f}"]
    if diagnose:
        served = max(r.get("io_requests", 0), 1)
        counted = "io_loops" in r
        cells += [f"{r['io_loops'] / served:.1f}" if counted else "",
                  f"{r['io_output_locked_by_worker'] / served:.1f}" if counted else "",
                  *(f"{r[key]:.1f}" if key in r else ""
                    for key in ("app_wall", "app_cpu", "lock_wait")),
                  f"{r['lock_hold']:.2f}" if "lock_hold" in r else ""]
    return "| " + " | ".join(cells) + " |"


def header(diagnose: bool) -> str:
    names = ["configuration", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "rows",
             "CPU ms/req", "load"]
    if diagnose:
        names += ["loops/req", "locked/req", "app wall", "app CPU", "lock wait", "lock hold"]
    return "| " + " | ".join(names) + " |\n|" + "---|" * len(names)


def describe_machine(connections: int) -> str:
    model = next((line.split(":", 1)[1].strip()
                  for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), "?")
    return (f"{os.cpu_count()} cores ({model}); Python {sys.version.split()[0]}; "
            f"SQLite {sqlite3.sqlite_version}; gunicorn {version('gunicorn')}; "
            f"waitress {version('waitress')}; {connections} connections")


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", choices=("main", "cause"), default="main")
    parser.add_argument("--duration", type=int, default=10,
                        help=f"seconds per run (at most {MAX_DURATION})")
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--only", default="",
                        help="run only the configurations whose name contains this")
    args = parser.parse_args()
    if not 1 <= args.duration <= MAX_DURATION:
        parser.error(f"--duration must be between 1 and {MAX_DURATION} seconds")
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    return args


def main() -> None:
    args = parse_arguments()
    diagnose = args.set == "cause"
    configs = [c for c in (CAUSE if diagnose else MAIN) if args.only in c.name]
    print(describe_machine(args.connections))
    print(f"{args.duration} s per run after a {WARMUP_SECONDS} s warm-up\n")
    print(header(diagnose), flush=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="upsert-template-") as template:
        make_template(Path(template))
        for config in configs:
            if time.monotonic() - started + args.duration + WARMUP_SECONDS + 10 > BUDGET_SECONDS:
                print(f"| {config.name} | skipped: the {BUDGET_SECONDS} s budget is spent |")
                continue
            result = measure(config, Path(template), args, diagnose)
            print(row(config, result, diagnose), flush=True)
    print(f"\ntotal {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
