"""A class logging in at the same moment, against the real `exam-server serve`.

    .venv/bin/python benchmarks/login_burst.py [--students 60] [--server gunicorn|waitress] [--rounds N]

Makes a fresh instance (``exam-server init``; an instance config.py with
CSRF off for this script only and, with --rounds, another bcrypt cost), imports
the students with ``exam-server user import``, starts the server on 127.0.0.1,
then sends every student's login POST at once from as many threads and prints
the wall time of the burst, latency percentiles and failures. Bounded: one
request per student, 60 s timeout each.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from upsert_load import free_port, stop, wait_until_ready  # noqa: E402

PASSWORD = "bench-pass-1"


def exam_server(*args, env):
    command = [str(Path(sys.executable).with_name("exam-server")), *args]
    return subprocess.run(command, env=env, check=True, capture_output=True, text=True, timeout=600)


def prepare(folder: Path, students: int, rounds: int | None) -> dict:
    config = "WTF_CSRF_ENABLED = False\nFORCE_PASSWORD_CHANGE_ON_IMPORT = False\n"
    if rounds:
        config += f"BCRYPT_ROUNDS = {rounds}\n"
    (folder / "config.py").write_text(config, encoding="utf-8")
    env = dict(os.environ, EXAM_SERVER_INSTANCE=str(folder))
    env.pop("DATABASE_URL", None)
    exam_server("init", env=env)
    roster = folder / "class.csv"
    rows = ["学号,姓名,班级,学校,初始密码"] + [
        f"b{n:04d},学生{n},压测班,压测学校,{PASSWORD}" for n in range(students)]
    roster.write_text("\n".join(rows) + "\n", encoding="utf-8")
    exam_server("user", "import", str(roster), env=env)
    return env


def login(base: str, username: str, results: list, start: threading.Event) -> None:
    body = urllib.parse.urlencode({"username": username, "password": PASSWORD}).encode()
    request = urllib.request.Request(base + "/login", data=body, method="POST")
    opener = urllib.request.build_opener(NoRedirect)
    start.wait()
    began = time.perf_counter()
    try:
        with opener.open(request, timeout=60) as response:
            ok = response.status == 302
    except urllib.error.HTTPError as error:
        ok = error.code == 302 and "/login" not in error.headers.get("Location", "/login")
    except OSError:
        ok = False
    results.append((time.perf_counter() - began, ok))


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("--server", choices=["gunicorn", "waitress"], default="gunicorn")
    parser.add_argument("--rounds", type=int, help="bcrypt cost (default: the product's)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="login-burst-") as tmp:
        folder = Path(tmp)
        env = prepare(folder, args.students, args.rounds)
        port = free_port()
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("exam-server")), "serve", "--host", "127.0.0.1",
             "--port", str(port), "--server", args.server],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_ready(base + "/login", process)
            results: list = []
            start = threading.Event()
            threads = [threading.Thread(target=login, args=(base, f"b{n:04d}", results, start))
                       for n in range(args.students)]
            for thread in threads:
                thread.start()
            began = time.perf_counter()
            start.set()
            for thread in threads:
                thread.join(90)
            wall = time.perf_counter() - began
        finally:
            stop(process)
    latencies = sorted(seconds for seconds, _ in results)
    failures = sum(1 for _, ok in results if not ok)

    def percentile(p):
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))]

    print(f"server {args.server} (default size), {os.cpu_count()} cores, "
          f"bcrypt cost {args.rounds or 'default'}")
    print(f"{args.students} logins at once: burst {wall:.1f} s, {args.students / wall:.1f} logins/s, "
          f"p50 {statistics.median(latencies):.2f} s, p95 {percentile(0.95):.2f} s, "
          f"max {latencies[-1]:.2f} s, failed {failures}")


if __name__ == "__main__":
    main()
