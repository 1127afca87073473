import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings

ENTRYPOINT = Path(__file__).resolve().parents[2] / "posthog_api" / "docker-entrypoint.sh"
READY_TIMEOUT = 60
KEY_PATTERN = re.compile(r"personal API key:\s+(phx_[A-Za-z0-9]{40,})")


def admin_connection() -> psycopg.Connection:
    database = settings.DATABASES["default"]
    return psycopg.connect(
        host=database["HOST"],
        port=database["PORT"] or None,
        user=database["USER"],
        password=database["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


@pytest.fixture
def database_url():
    """A fresh, empty database on the test PostgreSQL server, dropped afterwards."""
    name = f"entrypoint_{uuid.uuid4().hex[:12]}"
    with admin_connection() as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    database = settings.DATABASES["default"]
    credentials = quote(database["USER"], safe="")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"], safe="")
    port = f":{database['PORT']}" if database["PORT"] else ""
    yield f"postgres://{credentials}@{quote(database['HOST'], safe='')}{port}/{name}"
    with admin_connection() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def entrypoint_env(database_url: str, port: int) -> dict:
    env = {name: value for name, value in os.environ.items() if name != "TEST_DATABASE_NAME"}
    env.update(
        DATABASE_URL=database_url,
        PORT=str(port),
        BIND_ADDRESS="127.0.0.1",
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="2",
        SECRET_KEY="entrypoint-test-secret",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PYTHON=sys.executable,
        PYTHONUNBUFFERED="1",
    )
    return env


def get(port: int, path: str, headers: dict | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def wait_until_ready(server: subprocess.Popen, port: int, log: Path) -> tuple[int, bytes]:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the entrypoint exited with {server.returncode}:\n{log.read_text()}")
        try:
            status, body = get(port, "/_ready")
            if status == 200:
                return status, body
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"/_ready did not answer 200 within {READY_TIMEOUT}s:\n{log.read_text()}")


def stop_group(server: subprocess.Popen) -> int:
    """SIGTERM to the whole process group (gunicorn's master and workers), SIGKILL if it lingers."""
    try:
        os.killpg(server.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        return server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
        raise


def group_is_gone(pgid: int) -> bool:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def test_entrypoint_migrates_bootstraps_and_serves_until_terminated(database_url, tmp_path):
    port = free_port()
    log = tmp_path / "entrypoint.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [str(ENTRYPOINT)],
            env=entrypoint_env(database_url, port),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        status, body = wait_until_ready(server, port, log)
        assert status == 200
        assert json.loads(body) == {"status": "ok", "database": True}

        printed = log.read_text()
        assert "The database is up." in printed
        found = KEY_PATTERN.search(printed)
        assert found, printed
        status, body = get(port, "/api/users/@me/", {"Authorization": f"Bearer {found.group(1)}"})
        assert status == 200
        assert json.loads(body)["email"] == "admin@localhost"
    finally:
        returncode = stop_group(server)
    assert returncode == 0, log.read_text()
    assert group_is_gone(server.pid)


def test_entrypoint_bootstraps_only_once_and_runs_a_given_command(database_url):
    env = entrypoint_env(database_url, free_port())
    first = subprocess.run([str(ENTRYPOINT), "true"], env=env, capture_output=True, text=True, timeout=120)
    second = subprocess.run([str(ENTRYPOINT), "true"], env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert KEY_PATTERN.search(first.stdout)
    assert second.returncode == 0, second.stderr
    assert "phx_" not in second.stdout
    assert "Already bootstrapped." in second.stdout


def test_entrypoint_gives_up_when_the_database_stays_unreachable(tmp_path):
    env = entrypoint_env(f"postgres://postgres@127.0.0.1:{free_port()}/nowhere", free_port())
    env["DATABASE_WAIT_TIMEOUT"] = "2"
    started = time.monotonic()
    result = subprocess.run([str(ENTRYPOINT)], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "The database is still unreachable after 2s" in result.stderr
    assert "Operations to perform" not in result.stdout
    assert time.monotonic() - started < 30


def test_entrypoint_refuses_to_start_without_database_url():
    env = entrypoint_env("", free_port())
    del env["DATABASE_URL"]
    result = subprocess.run([str(ENTRYPOINT)], env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert "DATABASE_URL must be set" in result.stderr
