"""What SQLite does when two connections want to write (WAL mode, as the product runs it).

    .venv/bin/python benchmarks/sqlite_lock_probe.py

1. A writer that finds the lock taken waits in the busy handler, which sleeps
   in steps (1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100 ms ...) and is not
   woken when the lock is released: it gets the lock a little after it is free.
2. A deferred transaction (plain BEGIN) that has already read cannot wait:
   when it tries to write while another connection holds the write lock, or
   after another connection committed, SQLite returns SQLITE_BUSY at once,
   whatever the busy timeout. BEGIN IMMEDIATE takes the lock first and waits.
"""
import os
import sqlite3
import tempfile
import threading
import time

BUSY_TIMEOUT = 5.0


def connect(path: str) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None,
                                 check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    return connection


def release_later(connection: sqlite3.Connection, seconds: float,
                  statement: str) -> threading.Timer:
    timer = threading.Timer(seconds, lambda: connection.execute(statement))
    timer.start()
    return timer


def busy_handler_steps(path: str) -> None:
    print("1. BEGIN IMMEDIATE while another connection holds the write lock:")
    for hold in (0.003, 0.03, 0.3):
        holder, waiter = connect(path), connect(path)
        holder.execute("BEGIN IMMEDIATE")
        timer = release_later(holder, hold, "COMMIT")
        started = time.perf_counter()
        waiter.execute("BEGIN IMMEDIATE")
        waited = time.perf_counter() - started
        waiter.execute("COMMIT")
        timer.join()
        print(f"   lock held {hold * 1000:5.0f} ms -> waiter got it after {waited * 1000:6.1f} ms")
        holder.close()
        waiter.close()


def deferred_upgrade(path: str) -> None:
    print("2. read, then write, while another connection writes"
          f" (busy timeout {BUSY_TIMEOUT:g} s):")
    for begin in ("BEGIN", "BEGIN IMMEDIATE"):
        for other_ends_with in ("ROLLBACK", "COMMIT"):
            reader, writer = connect(path), connect(path)
            writer.execute("BEGIN IMMEDIATE")
            writer.execute("INSERT INTO t VALUES (1)")
            timer = release_later(writer, 0.2, other_ends_with)
            started = time.perf_counter()
            try:
                reader.execute(begin)
                reader.execute("SELECT count(*) FROM t").fetchone()
                reader.execute("INSERT INTO t VALUES (2)")
                reader.execute("COMMIT")
                outcome = "saved"
            except sqlite3.OperationalError as error:
                outcome = f"{error} ({getattr(error, 'sqlite_errorname', 'SQLITE_BUSY')})"
            elapsed = time.perf_counter() - started
            if outcome != "saved":
                reader.execute("ROLLBACK")
            timer.join()
            print(f"   {begin:15} other writer ends with {other_ends_with:8} after 200 ms: "
                  f"{outcome:40} after {elapsed * 1000:6.1f} ms")
            reader.close()
            writer.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "probe.sqlite3")
        setup = connect(path)
        setup.execute("CREATE TABLE t (x)")
        setup.close()
        print(f"SQLite {sqlite3.sqlite_version}, WAL, synchronous=NORMAL\n")
        busy_handler_steps(path)
        deferred_upgrade(path)


if __name__ == "__main__":
    main()
