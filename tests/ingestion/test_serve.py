import http.client
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from ingestion.models import Event
from projects.models import Team
from tests.ingestion.test_crash_safety import database_url, wait_until

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def descendants(pid: int) -> set[int]:
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parents[int(entry)] = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def post(port: int, path: str, body: dict) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
        return connection.getresponse().status
    except OSError:
        return 0
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_serve_runs_an_ingestion_worker_beside_gunicorn_and_stops_both():
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url(), "WEB_CONCURRENCY": "1"}
    serve = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_until(lambda: Team.objects.exists(), timeout=60, step=0.2)
        token = Team.objects.get().api_token
        event = {"api_key": token, "batch": [{"event": "served", "distinct_id": "u1"}]}
        assert wait_until(lambda: post(port, "/batch/", event) == 200, timeout=60, step=0.2)
        assert wait_until(lambda: Event.objects.filter(event="served").exists(), timeout=30, step=0.1)
        children = descendants(serve.pid)
        assert len(children) >= 3  # gunicorn master, its worker, the ingestion worker
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=60) == 0
        assert wait_until(lambda: not any(alive(pid) for pid in children), timeout=10, step=0.1)
    finally:
        if serve.poll() is None:
            serve.kill()
