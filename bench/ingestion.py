"""Ingestion benchmark: SDK-shaped batches through the real server and worker, against a raw COPY of the same rows.

A throwaway database on the embedded PostgreSQL (or on the server of DATABASE_URL) is migrated and given one
project. gunicorn serves posthog_api.wsgi on loopback; `manage.py ingest` runs beside it, as `make serve` does.
8 client threads post posthog-python-shaped `/batch/` requests of 100 events (~20 properties, anonymous and returning
users, identifies that merge, `$set`, groups). Three measured phases, in one run:

1. capture only (no worker): events/s accepted and the request latency percentiles;
2. end to end (fresh persons, worker running): from the first request until the worker has processed every event;
3. baseline: COPY of the same event rows into the events table, rows/s.

Each throughput phase and each COPY starts after a CHECKPOINT, so that none pays for the write-back of the one
before it (the paced latency phase does not: a checkpoint during steady traffic is part of what it measures).
Prints each figure, the end-to-end / COPY ratio, the CPU the end-to-end phase used per event (gunicorn, worker,
PostgreSQL, the bench's clients) against what the target rate allows, and the event counts. Bounded in time;
everything it started is stopped and the database dropped at the end. Figures: bench/README.md.

    .venv/bin/python bench/ingestion.py [--events 100000] [--clients 8] [--batch 100] [--workers 2]
"""

import argparse
import datetime as dt
import http.client
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.harness import CpuMeter, admin_execute, database_url, free_port, server_settings, start_server  # noqa: E402
from bench.sdk_batches import generate_requests  # noqa: E402

BENCH_DATABASE = "posthog_api_bench_ingestion"
PHASE_TIMEOUT = 600


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--batch", type=int, default=100, help="events per request")
    parser.add_argument("--users", type=int, default=20_000, help="distinct people behind the events")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="gthread threads per worker")
    parser.add_argument("--worker-batch", type=int, default=None, help="events per worker transaction")
    parser.add_argument("--paced-rate", type=int, default=10_000, help="events/s of the paced latency phase")
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


# --- server, worker and database ---


def prepare_database() -> str:
    """Migrate the bench database and create one project; returns its token."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from organizations.services import organization_create
    from users.models import User

    call_command("migrate", verbosity=0)
    user = User.objects.create_user(email="bench-ingestion@localhost", password="bench-Password-1")
    organization = organization_create(name="Ingestion bench", created_by=user)
    token = organization.teams.get().api_token
    connections.close_all()
    return token


def start(command: list[str], log) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def wait_ready(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/_health")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


# --- the phases ---


def post_all(port: int, bodies: list[bytes], clients: int, interval: float = 0.0) -> tuple[float, list[float], int]:
    """Send every body from `clients` keep-alive threads, as fast as they can or one every `interval` seconds
    overall; returns seconds, per-request ms and failures."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    next_index = [0]

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        own: list[float] = []
        while True:
            with lock:
                index = next_index[0]
                next_index[0] += 1
            if index >= len(bodies):
                break
            if interval:
                delay = begin + index * interval - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
            started = time.perf_counter()
            connection.request("POST", "/batch/", body=bodies[index], headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            own.append((time.perf_counter() - started) * 1000)
            if response.status != 200:
                with lock:
                    failures[0] += 1
        connection.close()
        with lock:
            latencies.extend(own)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    begin = time.perf_counter()
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(PHASE_TIMEOUT)
    return time.perf_counter() - started, latencies, failures[0]


def cpu_seconds(usage: resource.struct_rusage) -> float:
    return usage.ru_utime + usage.ru_stime


def print_cpu_budget(usage: dict[str, float | None], events: int, target_rate: float) -> None:
    """Where the end-to-end phase's CPU went per event, against what the target rate allows with every CPU busy."""
    if any(seconds is None for seconds in usage.values()):
        return
    per_event = {role: seconds / events * 1e6 for role, seconds in usage.items()}
    parts = ", ".join(f"{role} {micros:.1f}" for role, micros in per_event.items())
    budget = (os.cpu_count() or 1) / target_rate * 1e6
    print(f"CPU per event end to end (µs): {parts}; total {sum(per_event.values()):.1f}")
    print(f"  the 0.30 target ({target_rate:.0f} events/s) allows {budget:.1f} µs with all {os.cpu_count()} CPUs busy")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def sql_value(url: str, statement: str):
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        return connection.execute(statement).fetchone()[0]


def sql_execute(url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(statement)


def checkpoint(url: str) -> None:
    """Write back what the earlier phases left dirty, so that no measured phase pays for another's checkpoint (one
    started by a phase's WAL otherwise runs on into the next). Needs superuser or pg_checkpoint; skipped without."""
    import psycopg

    try:
        sql_execute(url, "CHECKPOINT")
    except psycopg.errors.InsufficientPrivilege:
        pass


def queued_events(url: str) -> int:
    return sql_value(url, "SELECT coalesce(sum(event_count), 0) FROM ingestion_queue")


def wait_first_batch(url: str, total: int) -> tuple[int, float]:
    deadline = time.monotonic() + PHASE_TIMEOUT
    while time.monotonic() < deadline:
        left = queued_events(url)
        if left < total:
            return left, time.perf_counter()
        time.sleep(0.005)
    raise SystemExit("the worker processed nothing")


def wait_drained(url: str, expected: int) -> None:
    deadline = time.monotonic() + PHASE_TIMEOUT
    while time.monotonic() < deadline:
        if sql_value(url, "SELECT count(*) FROM ingestion_queue") == 0:
            return
        time.sleep(0.05)
    raise SystemExit(f"the worker did not drain the queue of {expected} events in {PHASE_TIMEOUT}s")


RESET_SQL = (
    "TRUNCATE ingestion_queue, ingestion_event, persons_persondistinctid, persons_person, "
    "persons_personlessdistinctid, groups_group, groups_grouptypemapping, definitions_propertydefinition, "
    "definitions_eventdefinition, definitions_eventproperty, ingestion_ingestionwarning"
)


def copy_baseline(url: str) -> tuple[float, int]:
    """COPY the rows the worker stored (same uuids, properties, timestamps) back into the emptied events table."""
    import psycopg

    columns = "uuid, team_id, event, distinct_id, properties, timestamp, created_at, person_id"
    with psycopg.connect(url, autocommit=True) as connection:
        rows = connection.execute(f"SELECT {columns.replace('properties', 'properties::text')} FROM ingestion_event")
        rows = rows.fetchall()
        connection.execute("TRUNCATE ingestion_event")
        checkpoint(url)
        started = time.perf_counter()
        with connection.transaction(), connection.cursor() as cursor:
            with cursor.copy(f"COPY ingestion_event ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        seconds = time.perf_counter() - started
        return seconds, connection.execute("SELECT count(*) FROM ingestion_event").fetchone()[0]


def copy_from_events(url: str, events: list[dict]) -> float:
    """What a bare client does with the same SDK events: build each row (JSON of the properties) and COPY it."""
    import orjson
    import psycopg

    columns = "uuid, team_id, event, distinct_id, properties, timestamp, created_at, person_id"
    with psycopg.connect(url, autocommit=True) as connection:
        team_id = connection.execute("SELECT id FROM projects_team LIMIT 1").fetchone()[0]
        connection.execute("TRUNCATE ingestion_event")
        checkpoint(url)
        started = time.perf_counter()
        now = dt.datetime.now(dt.UTC)
        with connection.transaction(), connection.cursor() as cursor:
            with cursor.copy(f"COPY ingestion_event ({columns}) FROM STDIN") as copy:
                for event in events:
                    properties = orjson.dumps(event["properties"]).decode()
                    timestamp = dt.datetime.fromisoformat(event["timestamp"])
                    row = (
                        event["uuid"],
                        team_id,
                        event["event"],
                        event["distinct_id"],
                        properties,
                        timestamp,
                        now,
                        None,
                    )
                    copy.write_row(row)
        return len(events) / (time.perf_counter() - started)


def main() -> None:
    args = parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "posthog_api.settings")
    server = server_settings()
    url = database_url(server, BENCH_DATABASE)
    admin_execute(server, f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')
    admin_execute(server, f'CREATE DATABASE "{BENCH_DATABASE}"')
    os.environ["DATABASE_URL"] = url
    gunicorn = worker = None
    log = tempfile.NamedTemporaryFile("w+", prefix="bench-ingestion-", suffix=".log", delete=False)
    try:
        token = prepare_database()
        bodies, events = generate_requests(args, token)
        total = len(events)
        port = free_port()
        gunicorn = start_server(port, args.workers, args.threads, log, -(-args.clients // args.workers))
        wait_ready(port)
        ingest = [sys.executable, str(REPO / "manage.py"), "ingest", "--poll-interval", "0.02"]
        if args.worker_batch:
            ingest += ["--batch-size", str(args.worker_batch)]
        print(
            f"{total} events in {len(bodies)} requests of {args.batch}, {args.clients} clients, {os.cpu_count()} CPUs"
        )

        # Warm-up (not measured): every gunicorn thread imports its views and opens its connection on first use.
        post_all(port, bodies[: args.clients * 8], args.clients)
        sql_execute(url, RESET_SQL)
        checkpoint(url)
        seconds, latencies, failures = post_all(port, bodies, args.clients)
        queued = queued_events(url)
        capture_rate = total / seconds
        print(f"capture only:  {capture_rate:9.0f} events/s  ({seconds:.1f}s, {failures} failed requests)")
        print(f"  request latency: p50 {percentile(latencies, 0.5):.1f} ms, p99 {percentile(latencies, 0.99):.1f} ms")
        checkpoint(url)
        worker = start(ingest, log)
        # The clock starts at the worker's first committed batch (not at its process start-up).
        first_left, started = wait_first_batch(url, queued)
        wait_drained(url, total)
        worker_rate = first_left / (time.perf_counter() - started)
        print(f"worker only:   {worker_rate:9.0f} events/s  (draining the backlog)")
        stop(worker)
        sql_execute(url, RESET_SQL)
        checkpoint(url)

        worker = start(ingest, log)
        time.sleep(2)  # let the worker start before the clock runs
        meter = CpuMeter({"capture (gunicorn)": gunicorn.pid, "worker": worker.pid})
        meter.start()
        clients_before = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        _seconds, e2e_latencies, e2e_failures = post_all(port, bodies, args.clients)
        wait_drained(url, total)
        e2e_seconds = time.perf_counter() - started
        e2e_cpu = meter.stop()
        e2e_cpu["bench clients"] = cpu_seconds(resource.getrusage(resource.RUSAGE_SELF)) - cpu_seconds(clients_before)
        stop(worker)
        stored = sql_value(url, "SELECT count(*) FROM ingestion_event")
        distinct = sql_value(url, "SELECT count(DISTINCT uuid) FROM ingestion_event")
        e2e_rate = total / e2e_seconds
        print(f"end to end:    {e2e_rate:9.0f} events/s  ({e2e_seconds:.1f}s, {e2e_failures} failed requests)")
        print(
            f"  request latency with the worker running: p50 {percentile(e2e_latencies, 0.5):.1f} ms, "
            f"p99 {percentile(e2e_latencies, 0.99):.1f} ms"
        )
        persons = sql_value(url, "SELECT count(*) FROM persons_person")
        print(f"  persons {persons}, distinct ids {sql_value(url, 'SELECT count(*) FROM persons_persondistinctid')}")

        sql_execute(url, RESET_SQL)
        worker = start(ingest, log)
        time.sleep(2)
        _seconds, paced, _failures = post_all(port, bodies, args.clients, interval=args.batch / args.paced_rate)
        wait_drained(url, total)
        stop(worker)
        print(
            f"capture paced at {args.paced_rate} events/s (worker running): p50 {percentile(paced, 0.5):.1f} ms, "
            f"p99 {percentile(paced, 0.99):.1f} ms"
        )

        copy_seconds, copied = copy_baseline(url)
        copy_rate = copied / copy_seconds
        client_copy_rate = copy_from_events(url, events)
        print(f"COPY baselines: {client_copy_rate:9.0f} rows/s from the SDK events (rows built + COPY, one client)")
        print(f"                {copy_rate:9.0f} rows/s of the stored rows (server side only)")
        print(
            f"end to end / COPY: {e2e_rate / client_copy_rate:.2f} of the client COPY, {e2e_rate / copy_rate:.2f} "
            "of the server-side COPY  (target >= 0.30)"
        )
        print(f"capture / COPY:    {capture_rate / client_copy_rate:.2f}, {capture_rate / copy_rate:.2f}")
        print_cpu_budget(e2e_cpu, total, 0.30 * client_copy_rate)
        print(f"events: sent {total}, queued by capture {queued}, stored end to end {stored} ({distinct} distinct)")
        if not (queued == stored == distinct == total):
            raise SystemExit("event counts differ")
    finally:
        stop(worker)
        stop(gunicorn)
        admin_execute(server, f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')
        print(f"server and worker log: {log.name}")


if __name__ == "__main__":
    main()
