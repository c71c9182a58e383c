"""Running the app in production: the LAN addresses to announce and the WSGI server.

gunicorn (several worker processes) on Linux and other POSIX systems; waitress
(one process, a pool of threads) on Windows, where gunicorn does not run. The
figures behind the choice are in ``docs/PERFORMANCE.md``.
"""
import ipaddress
import logging
import os
import socket
import subprocess
import sys
import warnings
from typing import Callable, Iterable

from flask import Flask
from waitress import serve as waitress_serve
from waitress.adjustments import Adjustments

SERVERS = ("gunicorn", "waitress")
#: addresses a UDP socket is "connected" to so that the OS picks the interface it
#: would use; connect() on a UDP socket sends nothing, so this works with no network
_PROBE_TARGETS = ("10.255.255.254", "172.31.255.254", "192.168.255.254")
#: gunicorn kills a sync worker whose request runs longer than this (seconds);
#: PDF and Excel exports of a whole bank can take a while on a lab server
GUNICORN_TIMEOUT = 120
#: waitress stops accepting connections above this many open ones (its default is 100,
#: fewer than the browsers of one exam hall); Python's select() on Windows handles 512
WAITRESS_CONNECTION_LIMIT = 400
#: a response smaller than this is sent by waitress's I/O thread once the worker
#: thread is done with it, instead of by the worker while it holds the channel's
#: output lock. With waitress's default (1 byte) the I/O thread spins on that lock,
#: taking the CPU and the GIL the worker needs to release it: under 200 writers
#: throughput fell to 43-248 requests/s (docs/PERFORMANCE.md, "Why waitress collapses").
WAITRESS_SEND_BYTES = 256 * 1024


def default_workers(cores: int | None = None) -> int:
    """gunicorn workers: two per core. 2, 4 and 8 measured alike on 2 cores (docs/PERFORMANCE.md);
    the spare ones keep a few slow requests (bcrypt, exports) from stopping the rest."""
    return 2 * (cores or os.cpu_count() or 1)


def default_threads() -> int:
    """waitress threads: 8. Autosave throughput was flat from 1 to 16 threads
    (docs/PERFORMANCE.md); 8 leave room for slow requests such as logins."""
    return 8


def gunicorn_available() -> bool:
    if sys.platform == "win32":
        return False
    try:
        import gunicorn  # noqa: F401, PLC0415 -- only probing; POSIX-only dependency
    except ImportError:
        return False
    return True


def default_server() -> str:
    return "gunicorn" if gunicorn_available() else "waitress"


# --- LAN addresses ----------------------------------------------------------------------

def _from_hostname() -> set[str]:
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        return set()
    return {info[4][0] for info in infos}


def _from_udp_probe() -> set[str]:
    found = set()
    for target in _PROBE_TARGETS:
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
                probe.connect((target, 9))
                found.add(probe.getsockname()[0])
        except OSError:  # no route to that network: nothing to learn from it
            continue
    return found


def _from_proc_fib_trie(path: str = "/proc/net/fib_trie") -> set[str]:
    """Linux: every local address, from the kernel's routing trie (no subprocess)."""
    try:
        with open(path, encoding="ascii", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return set()
    found = set()
    for previous, line in zip(lines, lines[1:]):
        if line.strip() == "/32 host LOCAL" and "|--" in previous:
            found.add(previous.split("|--", 1)[1].strip())
    return found


def _from_ip_command() -> set[str]:
    """Linux without /proc/net/fib_trie (some containers): ask ``ip``."""
    try:
        output = subprocess.run(["ip", "-4", "-o", "addr", "show"], capture_output=True,
                                text=True, timeout=3, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return set()
    found = set()
    for line in output.splitlines():
        fields = line.split()
        if "inet" in fields and fields.index("inet") + 1 < len(fields):
            found.add(fields[fields.index("inet") + 1].split("/", 1)[0])
    return found


def discover_addresses() -> set[str]:
    """Every IPv4 address this machine has, as reported by any method that works here."""
    found = _from_hostname() | _from_udp_probe()
    if sys.platform.startswith("linux"):
        found |= _from_proc_fib_trie() or _from_ip_command()
    return found


def _rank(address: ipaddress.IPv4Address) -> tuple:
    # private LAN addresses first, then other routable ones, link-local (169.254) last
    return (not address.is_private or address.is_link_local, address.is_link_local, address)


def lan_addresses(found: Iterable[str] | None = None) -> list[str]:
    """The IPv4 addresses students can type, best first; loopback only if there is nothing else."""
    addresses = set()
    for text in discover_addresses() if found is None else found:
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            continue
        if address.version == 4 and not address.is_unspecified and not address.is_multicast:
            addresses.add(address)
    outside = [address for address in addresses if not address.is_loopback]
    chosen = outside or [address for address in addresses if address.is_loopback]
    return [str(address) for address in sorted(chosen, key=_rank)] or ["127.0.0.1"]


def lan_urls(host: str, port: int, found: Iterable[str] | None = None) -> list[str]:
    """The URLs to open: every LAN address when bound to all interfaces, else ``host`` itself."""
    if host in ("0.0.0.0", ""):
        return [f"http://{address}:{port}/" for address in lan_addresses(found)]
    return [f"http://{host}:{port}/"]


# --- servers ----------------------------------------------------------------------------

def run_gunicorn(app_factory: Callable[[], Flask], host: str, port: int, workers: int) -> None:
    """Serve with gunicorn sync workers; each worker builds its own app after the fork."""
    from gunicorn.app.base import BaseApplication  # noqa: PLC0415 -- not installed on Windows

    class ExamServerApplication(BaseApplication):
        def __init__(self):
            self.options = {
                "bind": f"{host}:{port}",
                "workers": workers,
                "worker_class": "sync",
                "timeout": GUNICORN_TIMEOUT,
                # no preload: a database connection must never cross a fork
                "preload_app": False,
                "proc_name": "exam-server",
                # gunicorn 27's control socket is one fixed path per user: a second
                # server (another instance, a test) would take it over
                "control_socket_disable": True,
            }
            super().__init__()

        def load_config(self):
            for key, value in self.options.items():
                if key in self.cfg.settings:  # control_socket_disable is new in gunicorn 27
                    self.cfg.set(key, value)

        def load(self):
            return app_factory()

    ExamServerApplication().run()


def waitress_options(threads: int) -> dict:
    """The waitress adjustments we run with (``send_bytes`` only where waitress still has it)."""
    options = {"threads": threads, "connection_limit": WAITRESS_CONNECTION_LIMIT,
               "ident": "exam-server"}
    if "send_bytes" in getattr(Adjustments, "_param_map", {}):
        options["send_bytes"] = WAITRESS_SEND_BYTES
    return options


def run_waitress(app_factory: Callable[[], Flask], host: str, port: int, threads: int) -> None:
    """Serve with waitress: one process, ``threads`` worker threads."""
    # deprecated since 2019 but still honoured; why we set it: WAITRESS_SEND_BYTES above
    warnings.filterwarnings("ignore", message="send_bytes will be removed",
                            category=DeprecationWarning)
    # "Task queue depth is N" is logged for every request that waits for a thread:
    # hundreds a second during an autosave burst, which is normal, not an error
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    waitress_serve(app_factory(), host=host, port=port, **waitress_options(threads))


def run(server: str, app_factory: Callable[[], Flask], host: str, port: int,
        workers: int, threads: int) -> None:
    """Run ``server`` until interrupted."""
    if server == "gunicorn":
        run_gunicorn(app_factory, host, port, workers)
    elif server == "waitress":
        run_waitress(app_factory, host, port, threads)
    else:
        raise ValueError(f"unknown server {server!r}; choose from {SERVERS}")
