"""``exam-server serve``: the LAN addresses it announces, its refusal on an uninitialised
database, and a real start of each production server."""
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request

import pytest
from click.testing import CliRunner

from exam_server import serving
from exam_server.cli import main as cli_main

URL = re.compile(r"^http://(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3}):(\d+)/$")
FIB_TRIE = """\
Main:
  +-- 0.0.0.0/0 3 0 5
     +-- 127.0.0.0/8 2 0 2
        +-- 127.0.0.0/31 1 0 0
           |-- 127.0.0.0
              /8 host LOCAL
           |-- 127.0.0.1
              /32 host LOCAL
        |-- 127.255.255.255
           /32 link BROADCAST
     +-- 192.168.1.0/24 2 0 2
           |-- 192.168.1.0
              /24 link UNICAST
           |-- 192.168.1.23
              /32 host LOCAL
"""


@pytest.fixture
def discovered(monkeypatch):
    """Make discovery report the given addresses: ``discovered({"127.0.0.1", ...})``."""
    def set_addresses(addresses):
        monkeypatch.setattr(serving, "discover_addresses", lambda: set(addresses))
    return set_addresses


def test_lan_urls_are_well_formed_private_first_and_without_loopback(discovered):
    discovered({"127.0.0.1", "127.0.1.1", "169.254.7.7", "203.0.113.9", "10.1.2.3", "192.168.1.23",
                "not-an-address", "0.0.0.0"})
    urls = serving.lan_urls("0.0.0.0", 8000)
    assert urls == ["http://10.1.2.3:8000/", "http://192.168.1.23:8000/",
                    "http://203.0.113.9:8000/", "http://169.254.7.7:8000/"]
    for url in urls:
        match = URL.match(url)
        assert match and all(0 <= int(part) <= 255 for part in match.groups()[:4])


def test_lan_urls_fall_back_to_loopback_when_nothing_else(discovered):
    discovered({"127.0.0.1"})
    assert serving.lan_urls("0.0.0.0", 8123) == ["http://127.0.0.1:8123/"]
    discovered(set())
    assert serving.lan_urls("", 8123) == ["http://127.0.0.1:8123/"]


def test_a_specific_host_is_announced_as_given(discovered):
    discovered({"192.168.1.23"})
    assert serving.lan_urls("127.0.0.1", 8000) == ["http://127.0.0.1:8000/"]


def test_real_discovery_finds_only_ipv4_addresses():
    addresses = serving.lan_addresses()
    assert addresses
    for address in addresses:
        assert URL.match(f"http://{address}:1/"), address


def test_linux_routing_trie_yields_each_local_address(tmp_path):
    trie = tmp_path / "fib_trie"
    trie.write_text(FIB_TRIE)
    assert serving._from_proc_fib_trie(str(trie)) == {"127.0.0.1", "192.168.1.23"}
    assert serving._from_proc_fib_trie(str(tmp_path / "missing")) == set()


@pytest.fixture
def bare_instance(tmp_path, monkeypatch):
    """An instance folder whose database ``exam-server init`` has not made."""
    monkeypatch.setenv("EXAM_SERVER_INSTANCE", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr(serving, "run", lambda *args: pytest.fail("the server must not start"))
    return tmp_path


def test_serve_refuses_without_a_database_and_creates_none(bare_instance):
    result = CliRunner().invoke(cli_main, ["serve", "--port", "8123"])
    assert result.exit_code == 1
    assert "exam-server init" in result.output
    assert not (bare_instance / "exam.sqlite3").exists()


def test_serve_refuses_a_database_without_schema_or_from_a_newer_program(bare_instance):
    sqlite3.connect(bare_instance / "exam.sqlite3").close()
    empty = CliRunner().invoke(cli_main, ["serve"])
    assert empty.exit_code == 1 and "exam-server init" in empty.output

    with sqlite3.connect(bare_instance / "exam.sqlite3") as connection:
        connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        connection.execute("INSERT INTO alembic_version VALUES ('9999_from_the_future')")
    connection.close()
    newer = CliRunner().invoke(cli_main, ["serve"])
    assert newer.exit_code == 1 and "9999_from_the_future" in newer.output


def test_serve_announces_the_server_and_every_lan_url(cli, monkeypatch, discovered):
    discovered({"127.0.0.1", "192.168.1.23", "10.0.0.8"})
    started = []
    monkeypatch.setattr(serving, "run", lambda *args: started.append(args))
    result = cli("serve", "--port", "8123", "--server", "waitress", "--threads", "6")
    assert result.exit_code == 0, result.output
    assert "waitress" in result.output and "6 个线程" in result.output
    lines = result.output.splitlines()
    opened = lines.index("在浏览器中打开：")
    assert [line.strip() for line in lines[opened + 1:opened + 3]] == [
        "http://10.0.0.8:8123/", "http://192.168.1.23:8123/"]
    server, factory, host, port, workers, threads = started[0]
    assert (server, host, port, threads) == ("waitress", "0.0.0.0", 8123, 6)


# --- a real start -----------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def exam_server_command() -> list[str]:
    script = shutil.which("exam-server", path=os.path.dirname(sys.executable))
    fallback = [sys.executable, "-c", "from exam_server.cli import main; main()"]
    return [script] if script else fallback


@pytest.fixture
def started_server(sqlite_template, tmp_path):
    """Run ``exam-server serve`` on a free local port and a migrated instance; stop it after."""
    processes = []

    def start(*options):
        shutil.copy(sqlite_template, tmp_path / "exam.sqlite3")
        port = free_port()
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env["EXAM_SERVER_INSTANCE"] = str(tmp_path)
        output = open(tmp_path / "serve.log", "w+", encoding="utf-8")
        process = subprocess.Popen(
            exam_server_command() + ["serve", "--host", "127.0.0.1", "--port", str(port), *options],
            env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=(os.name != "nt"))
        processes.append((process, output))
        return process, port, tmp_path / "serve.log"

    yield start
    for process, output in processes:
        stop(process)
        output.close()


def stop(process: subprocess.Popen) -> None:
    """SIGTERM the server's process group (gunicorn's workers too), then SIGKILL."""
    for sig in (signal.SIGTERM, getattr(signal, "SIGKILL", signal.SIGTERM)):
        if process.poll() is not None:
            return
        if os.name == "nt":
            process.kill()
        else:
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            continue


def wait_for_login_page(process, port, deadline_seconds=8.0) -> int:
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as response:
                return response.status
        except OSError:
            time.sleep(0.1)
    return 0


@pytest.mark.parametrize("server", [
    pytest.param("gunicorn", marks=pytest.mark.skipif(not serving.gunicorn_available(),
                                                       reason="gunicorn does not run here")),
    "waitress",
])
def test_serve_starts_a_production_server_that_answers(started_server, server):
    process, port, log = started_server("--server", server, "--workers", "2", "--threads", "2")
    assert wait_for_login_page(process, port) == 200, log.read_text(encoding="utf-8")
    output = log.read_text(encoding="utf-8")
    assert f"服务器：{server}" in output
    assert f"http://127.0.0.1:{port}/" in output
