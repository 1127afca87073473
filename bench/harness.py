"""What the benchmark scripts share: a throwaway database on the PostgreSQL server, and gunicorn on loopback."""

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parent.parent
READY_TIMEOUT = 60
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


# --- database ---


def server_settings() -> dict:
    """Connection settings of the PostgreSQL server the benchmark creates its database on."""
    if os.environ.get("DATABASE_URL"):
        import dj_database_url

        return dj_database_url.parse(os.environ["DATABASE_URL"])
    from posthog_api import embedded_db

    return embedded_db.start()  # this process holds the embedded server until it exits


def admin_execute(server: dict, statement: str) -> None:
    import psycopg

    options = {"host": server["HOST"], "port": server.get("PORT") or None, "user": server["USER"], "dbname": "postgres"}
    with psycopg.connect(password=server.get("PASSWORD") or None, autocommit=True, **options) as connection:
        connection.execute(statement)


def database_url(server: dict, name: str) -> str:
    credentials = quote(server["USER"], safe="")
    if server.get("PASSWORD"):
        credentials += ":" + quote(server["PASSWORD"], safe="")
    port = f":{server['PORT']}" if server.get("PORT") else ""
    return f"postgres://{credentials}@{quote(server['HOST'] or 'localhost', safe='')}{port}/{name}"


# --- HTTP ---


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int, workers: int, threads: int, log, worker_connections: int | None = None) -> subprocess.Popen:
    """gunicorn as `manage.py serve` runs it. `worker_connections` caps the connections each worker holds: a gthread
    worker otherwise accepts every keep-alive connection a load generator opens at once, so one worker can end up
    serving all of them while the other idles (turns of the same endpoint then differ by 2x at random)."""
    command = [sys.executable, "-m", "gunicorn", "posthog_api.wsgi:application", "--chdir", str(REPO)]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--worker-class", "gthread"]
    command += ["--threads", str(threads), "--no-control-socket"]
    if worker_connections is not None:
        command += ["--worker-connections", str(worker_connections)]
    return subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


def get(port: int, path: str, headers: dict, timeout: float = 5) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def wait_until_ready(server: subprocess.Popen, port: int, timeout: float = 5) -> None:
    """Until `/_ready` answers 200 (`timeout`: of each probe), or gunicorn exits, or READY_TIMEOUT passes."""
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}")
        try:
            if get(port, "/_ready", {}, timeout)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the server was not ready within {READY_TIMEOUT}s")


def milliseconds(text: str) -> float:
    """A wrk duration (`812.00us`, `3.41ms`, `1.02s`) in milliseconds."""
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * UNITS[unit]


# --- CPU time per process group (Linux /proc; elsewhere every figure is None) ---


def _proc_stats() -> dict[int, tuple[int, str, float]]:
    """pid → (parent pid, command name, CPU seconds) of every process that can be read."""
    stats = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as file:
                head, _, tail = file.read().rpartition(")")
        except OSError:
            continue
        fields = tail.split()
        stats[int(entry)] = (int(fields[1]), head.partition("(")[2], (int(fields[11]) + int(fields[12])) / tick)
    return stats


def _descendants(stats: dict, root: int) -> set[int]:
    found, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, (ppid, _name, _cpu) in stats.items() if ppid == parent and pid not in found]
        found.update(children)
        frontier.extend(children)
    return found


class CpuMeter:
    """CPU seconds used between `start` and `stop` by process trees (by root pid) and by every `postgres` process.

    A process that starts in between counts from zero; one that ends in between is missed."""

    def __init__(self, trees: dict[str, int]):
        self.trees = trees
        self.before: dict[int, float] = {}

    def start(self) -> None:
        stats = _proc_stats() if os.path.isdir("/proc") else {}
        self.before = {pid: cpu for pid, (_ppid, _name, cpu) in stats.items()}

    def stop(self) -> dict[str, float | None]:
        if not self.before:
            return {role: None for role in [*self.trees, "PostgreSQL"]}
        stats = _proc_stats()
        groups = {role: _descendants(stats, root) for role, root in self.trees.items()}
        groups["PostgreSQL"] = {pid for pid, (_ppid, name, _cpu) in stats.items() if name == "postgres"}
        return {role: sum(stats[pid][2] - self.before.get(pid, 0.0) for pid in pids) for role, pids in groups.items()}
