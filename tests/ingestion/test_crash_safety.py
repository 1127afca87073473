import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from ingestion.models import Event, QueuedEvent
from ingestion.worker import TEAM_LOCK_NAMESPACE
from persons.models import Person, PersonDistinctId
from posthog_api.testing import make_organization, make_user
from tests.ingestion.helpers import post

ROOT = Path(__file__).resolve().parents[2]
USERS = 40
WORKER_APP = "ingestion-crash-test"


def database_url() -> str:
    settings = connection.settings_dict
    host = quote(settings["HOST"] or "localhost", safe="")
    port = f":{settings['PORT']}" if settings["PORT"] else ""
    return f"postgres://{settings['USER']}@{host}{port}/{settings['NAME']}?application_name={WORKER_APP}"


def start_worker(*args: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url()}
    command = [sys.executable, str(ROOT / "manage.py"), "ingest", "--batch-size", "300", "--poll-interval", "0.01"]
    return subprocess.Popen([*command, *args], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def scalar(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def wait_until(condition, timeout: float = 30.0, step: float = 0.002) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


def batch_in_progress() -> bool:
    return bool(
        scalar(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = %s AND database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())",
            [TEAM_LOCK_NAMESPACE],
        )
    )


def worker_backends() -> int:
    return scalar("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [WORKER_APP])


def session_event(k: int) -> dict:
    """Event k of 40 interleaved users: anonymous pageviews, then the identify that merges, then identified events."""
    user, phase = k % USERS, k // USERS
    if phase == 5:
        properties = {"$anon_distinct_id": f"anon-{user}", "$set": {"phase": phase}}
        return {"event": "$identify", "distinct_id": f"user-{user}", "properties": properties}
    distinct_id = f"anon-{user}" if phase < 5 else f"user-{user}"
    properties = {"$current_url": f"https://x.test/{k}", "$set_once": {"first": phase}, "$set": {"last": phase}}
    return {"event": "$pageview", "distinct_id": distinct_id, "properties": properties}


def enqueue_sessions(team, rounds: int = 12) -> int:
    for r in range(rounds):
        events = [session_event(r * 100 + i) for i in range(100)]
        assert post("/batch/", {"api_key": team.api_token, "batch": events}).status_code == 200
    return rounds * 100


@pytest.mark.django_db(transaction=True)
def test_killing_workers_mid_batch_loses_nothing_and_applies_nothing_twice():
    team = make_organization(make_user()).teams.get()
    # NOTE: enough batches that four short-lived workers can never drain the queue before the last kill.
    sent = enqueue_sessions(team, rounds=40)
    kills = 0
    for _ in range(4):
        worker = start_worker()
        assert wait_until(batch_in_progress), worker.stderr.read() if worker.poll() is not None else "no batch"
        time.sleep(0.01 * kills)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        kills += 1
        assert wait_until(lambda: not batch_in_progress() and worker_backends() == 0, timeout=10)
        assert Event.objects.filter(team=team).count() + sum(
            QueuedEvent.objects.filter(team=team).values_list("event_count", flat=True)
        ) == sent  # fmt: skip
    worker = start_worker("--until-empty")
    assert worker.wait(timeout=120) == 0, worker.stderr.read()
    assert not QueuedEvent.objects.exists()
    assert Event.objects.filter(team=team).count() == sent
    assert Event.objects.filter(team=team).values("uuid").distinct().count() == sent
    assert Person.objects.filter(team=team).count() == USERS
    assert PersonDistinctId.objects.filter(team=team).count() == 2 * USERS
    for person in Person.objects.filter(team=team):
        ids = sorted(PersonDistinctId.objects.filter(person=person).values_list("distinct_id", flat=True))
        user = ids[0].split("-")[1]
        assert ids == [f"anon-{user}", f"user-{user}"]
        last_phase = (sent - 1) // USERS
        assert (person.is_identified, person.properties["first"], person.properties["last"]) == (True, 0, last_phase)


@pytest.mark.django_db(transaction=True)
def test_a_worker_survives_losing_its_database_connection_mid_batch():
    team = make_organization(make_user()).teams.get()
    sent = enqueue_sessions(team, rounds=6)
    worker = start_worker("--until-empty")
    try:
        assert wait_until(batch_in_progress)
        terminated = scalar(
            "SELECT count(pg_terminate_backend(l.pid)) FROM pg_locks l WHERE l.locktype = 'advisory' "
            "AND l.granted AND l.classid = %s "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            [TEAM_LOCK_NAMESPACE],
        )
        assert terminated == 1
        assert worker.wait(timeout=120) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
    assert b"database unavailable" in worker.stderr.read()
    assert Event.objects.filter(team=team).count() == sent
    assert Event.objects.filter(team=team).values("uuid").distinct().count() == sent
