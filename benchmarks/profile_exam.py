"""Where a start, a save and a submit spend their time: in-process, one request at a time.

    .venv/bin/python benchmarks/profile_exam.py                 # mean wall and CPU per request
    .venv/bin/python benchmarks/profile_exam.py --profile start # and the top of a cProfile of the starts
                                                                # (start, save, submit or grade)

Setup as benchmarks/exam_load.py's (a fresh ``exam-server init --demo`` instance
on SQLite, a 55-item 计算机类 paper, one exam for ``--students`` students); the
requests go through Flask's test client, so the figures are the application's
own cost without HTTP parsing or the network: what a worker spends per request.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--profile", choices=("start", "save", "submit", "grade"), help="print a cProfile of these requests")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="cumulative", help="pstats order: cumulative, tottime, …")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="exam-profile-"))
    os.environ["EXAM_SERVER_INSTANCE"] = str(folder)
    os.environ.pop("DATABASE_URL", None)
    try:
        subprocess.run([str(Path(sys.executable).with_name("exam-server")), "init", "--demo"], check=True,
                       capture_output=True, env=os.environ)
        import exam_load
        setup = exam_load.populate(argparse.Namespace(
            students=args.students, class_size=50, login_students=0, login_rounds=4, phases="starts",
            seed=1, minutes=120))
        run(args, setup)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(args, setup: dict) -> None:
    from exam_server import create_app
    from exam_load import PASSWORD, answer

    app = create_app()
    rng = random.Random(1)
    clients = []
    for n in range(args.students):
        client = app.test_client()
        reply = client.post("/api/v1/auth/login", json={"username": f"L{n:05d}", "password": PASSWORD})
        clients.append((client, {"X-CSRFToken": reply.get_json()["csrf_token"], "X-Device-Id": f"pc{n}"}))

    def measure(name, calls):
        with timed(name, len(calls), "requests", args) as result:
            replies = [call() for call in calls]
            bad = [r.status_code for r in replies if r.status_code >= 300]
            result["note"] = f"; {len(bad)} errors {bad[:3]}"
        return replies

    started = measure("start", [lambda c=c, h=h: c.post(f"/api/v1/exams/{setup['exam']}/attempts", json={},
                                                          headers=h) for c, h in clients])
    plans = []
    for (client, headers), reply in zip(clients, started):
        body = reply.get_json()
        attempt = body["attempt"]["id"]
        for item in body["items"][:40]:
            shape = (item["type"], [o["id"] for o in item["options"]], item.get("blanks", 0))
            plans.append((client, headers, attempt, item["slot"], answer(shape, rng)))
    rng.shuffle(plans)
    plans = plans[:3000]
    measure("save", [lambda p=p, s=k: p[0].put(f"/api/v1/attempts/{p[2]}/responses/{p[3]}",
                                               json={"response": p[4], "seq": s + 1}, headers=p[1])
                     for k, p in enumerate(plans)])
    measure("submit", [lambda c=c, h=h, r=r: c.post(f"/api/v1/attempts/{r.get_json()['attempt']['id']}/submit",
                                                    headers=h) for (c, h), r in zip(clients, started)])
    grade(app, args)


def grade(app, args) -> None:
    """The background grading of the submitted attempts (what the finaliser thread does after a burst)."""
    from exam_server import database
    from exam_server.services import attempts

    with app.app_context(), database.writing(), timed("grade", 0, "attempts", args) as result:
        result["count"] = attempts.grade_pending(limit=args.students)


@contextmanager
def timed(name: str, count: int, unit: str, args):
    """Print the mean wall and CPU time per item of the block (``count``, or the block's ``result["count"]``),
    and a cProfile of it when ``--profile name``."""
    result = {"count": count, "note": ""}
    profiler = cProfile.Profile() if args.profile == name else None
    wall, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    try:
        yield result
    finally:
        if profiler:
            profiler.disable()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    each = max(result["count"], 1)
    print(f"{name:7} {result['count']:5} {unit}: {1000 * wall / each:6.2f} ms wall, "
          f"{1000 * cpu / each:6.2f} ms CPU each{result['note']}")
    if profiler:
        report(profiler, args)


def report(profiler: cProfile.Profile, args) -> None:
    """The top functions, then the time spent in each package's own code (tottime summed)."""
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats(args.sort).print_stats(args.top)
    print(out.getvalue())
    by_package: dict[str, float] = {}
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        by_package[package_of(filename)] = by_package.get(package_of(filename), 0.0) + tottime
    total = sum(by_package.values())
    for package, seconds in sorted(by_package.items(), key=lambda kv: -kv[1])[:15]:
        print(f"{package:24} {100 * seconds / total:5.1f} %")


def package_of(filename: str) -> str:
    """An installed package's name, this project's top folder (exam_server, question_bank, …), or the module."""
    parts, root = Path(filename).parts, HERE.parent.parts
    if "site-packages" in parts[:-1]:
        return parts[parts.index("site-packages") + 1]
    if parts[:len(root)] == root and len(parts) > len(root) + 1:
        return parts[len(root)]
    return Path(filename).stem


if __name__ == "__main__":
    main()
