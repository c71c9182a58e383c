"""Serve the benchmark app with the product's own server code (exam_server.serving).

    python benchmarks/bench_server.py --server gunicorn --workers 4 --port 8765
    python benchmarks/bench_server.py --server waitress --threads 4 --port 8765 --count-loops

``--count-loops`` (waitress) counts the I/O thread's select-loop iterations and
what its write handler found, and prints them to stderr on SIGTERM: the evidence
for the busy loop described in docs/PERFORMANCE.md.
``--waitress-option send_bytes=1`` overrides one of the product's waitress
adjustments (here: back to waitress's own default).
``--finaliser`` runs the overdue-attempt finaliser thread in each server
process, as ``exam-server serve`` does (benchmarks/exam_load.py).
"""
import argparse
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from waitress import channel, wasyncore  # noqa: E402

from autosave_app import create_bench_app  # noqa: E402
from exam_server import finaliser, serving  # noqa: E402


def count_waitress_loops() -> None:
    """Wrap waitress's select loop, write handler and task runner with counters."""
    counts = dict.fromkeys(("requests", "loops", "write_events", "output_locked_by_worker"), 0)
    poll = wasyncore.poll
    handle_write, service = channel.HTTPChannel.handle_write, channel.HTTPChannel.service

    def counted_poll(*args, **kwargs):
        counts["loops"] += 1
        return poll(*args, **kwargs)

    def counted_handle_write(self):
        counts["write_events"] += 1
        if self.requests and self.total_outbufs_len:
            # a worker is still running this channel's task; if it holds the output
            # lock the handler can do nothing, and select() will report it again at once
            if self.outbuf_lock.acquire(False):
                self.outbuf_lock.release()
            else:
                counts["output_locked_by_worker"] += 1
        return handle_write(self)

    def counted_service(self):
        counts["requests"] += 1
        return service(self)

    wasyncore.poll = counted_poll
    channel.HTTPChannel.handle_write = counted_handle_write
    channel.HTTPChannel.service = counted_service

    def report(signum, frame):
        print("LOOPS " + " ".join(f"{key}={value}" for key, value in counts.items()),
              file=sys.stderr, flush=True)
        os._exit(0)

    signal.signal(signal.SIGTERM, report)


def override_waitress_options(pairs: list[str]) -> None:
    extra = {name: int(value) for name, value in (pair.split("=", 1) for pair in pairs)}
    serve = serving.waitress_serve
    serving.waitress_serve = lambda app, **options: serve(app, **{**options, **extra})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", choices=serving.SERVERS, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=serving.default_workers())
    parser.add_argument("--threads", type=int, default=serving.default_threads())
    parser.add_argument("--count-loops", action="store_true")
    parser.add_argument("--waitress-option", action="append", default=[], metavar="NAME=INT")
    parser.add_argument("--finaliser", action="store_true",
                        help="run the overdue-attempt finaliser in each process, as exam-server serve does")
    args = parser.parse_args()
    if args.count_loops:
        count_waitress_loops()
    if args.waitress_option:
        override_waitress_options(args.waitress_option)
    factory = finaliser.with_finaliser(create_bench_app) if args.finaliser else create_bench_app
    serving.run(args.server, factory, args.host, args.port, args.workers, args.threads)


if __name__ == "__main__":
    main()
