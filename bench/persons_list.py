"""`GET /api/environments/{id}/persons/` (100 per page) against a plain DRF ModelSerializer list of the same rows.

Both endpoints serve the same 100 newest persons (with their distinct ids) of one environment, behind the same
personal-API-key authentication and limit/offset pagination, in the same run, taking turns:
  - in process: Django's test client, one thread, no HTTP (the cost of the view and serializer themselves);
  - over HTTP: gunicorn (gthread) on loopback loaded by wrk (or Python threads when wrk is missing).
A throwaway database on the embedded PostgreSQL (or the server of DATABASE_URL) is removed at the end.

    .venv/bin/python bench/persons_list.py [--persons 5000] [--duration 12] [--connections 8]
"""

import argparse
import datetime as dt
import http.client
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.harness import (  # noqa: E402
    admin_execute,
    database_url,
    free_port,
    milliseconds,
    server_settings,
    start_server,
    stop_server,
    wait_until_ready,
)

DATABASE = "posthog_api_bench_persons"
PROPERTIES = 12


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=5000, help="persons in the environment (2 distinct ids each)")
    parser.add_argument("--duration", type=float, default=12.0, help="seconds of HTTP load per endpoint")
    parser.add_argument("--rounds", type=int, default=3, help="turns each endpoint takes (in process and HTTP)")
    parser.add_argument("--requests", type=int, default=150, help="in-process requests per endpoint per turn")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--python-client", action="store_true", help="use Python threads even when wrk exists")
    return parser.parse_args()


# --- database ---


def seed(count: int) -> tuple[dict, int]:
    """A user, organization, key and `count` persons with 2 distinct ids and 12 properties each."""
    import django

    django.setup()
    from django.core.management import call_command

    from persons.models import Person, PersonDistinctId, person_uuid_for
    from posthog_api.testing import make_key, make_organization, make_user

    logging.getLogger("posthog_api.requests").disabled = True  # this process's requests are not the measurement
    call_command("migrate", verbosity=0)
    user = make_user(email="bench-persons@localhost")
    team = make_organization(user, name="Bench").teams.get()
    headers = {"Authorization": f"Bearer {make_key(user)}"}
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    persons = [
        Person(
            team=team,
            uuid=person_uuid_for(team.pk, f"user-{index}"),
            created_at=start + dt.timedelta(seconds=index),
            is_identified=True,
            properties={
                "email": f"user{index}@example.com",
                "name": f"User {index}",
                "plan": ("free", "pro", "enterprise")[index % 3],
                "$browser": "Chrome",
                "$os": "Mac OS X",
                "$initial_referrer": "https://www.google.com/",
                "$initial_current_url": f"https://example.com/landing/{index % 17}",
                "seats": index % 50,
                "is_beta": index % 2 == 0,
                "company": f"Company {index % 200}",
                "signed_up_at": (start + dt.timedelta(hours=index)).isoformat(),
                "utm_source": "newsletter",
            },
        )
        for index in range(count)
    ]
    assert len(persons[0].properties) == PROPERTIES
    Person.objects.bulk_create(persons, batch_size=1000)
    rows = [
        PersonDistinctId(team=team, person=person, distinct_id=distinct_id)
        for index, person in enumerate(persons)
        for distinct_id in (f"0190a5b2-7c3d-7e4f-8a9b-{index:012d}", f"user-{index}")
    ]
    PersonDistinctId.objects.bulk_create(rows, batch_size=2000)
    return headers, team.pk


def check_same_rows(client, endpoints: dict, headers: dict) -> None:
    """Both endpoints answer 200 with the same 100 persons, in the same order."""
    bodies = {}
    for label, path in endpoints.items():
        response = client.get(path, **headers)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}: {response.content[:300]!r}")
        bodies[label] = response.json()["results"]
    ids = [[row["id"] for row in results] for results in bodies.values()]
    distinct = [[sorted(row["distinct_ids"]) for row in results] for results in bodies.values()]
    if len(ids[0]) != 100 or ids[0] != ids[1] or distinct[0] != distinct[1]:
        raise SystemExit("the two endpoints do not serve the same 100 persons")


def in_process(endpoints: dict, headers: dict, rounds: int, requests: int) -> dict[str, tuple[float, int]]:
    """Milliseconds per request (best turn) and queries per request, for each endpoint."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    django_headers = {f"HTTP_{name.upper()}": value for name, value in headers.items()}
    check_same_rows(client, endpoints, django_headers)
    best = dict.fromkeys(endpoints, float("inf"))
    for _ in range(rounds):
        for label, path in endpoints.items():
            started = time.perf_counter()
            for _ in range(requests):
                client.get(path, **django_headers)
            best[label] = min(best[label], (time.perf_counter() - started) * 1000 / requests)
    result = {}
    for label, path in endpoints.items():
        with CaptureQueriesContext(connection) as queries:
            client.get(path, **django_headers)
        result[label] = (best[label], len(queries))
    return result


# --- HTTP ---


def wrk(port: int, path: str, headers: dict, connections: int, seconds: float) -> tuple[float, float, float, int]:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, timeout=seconds + 60, check=True
    ).stdout
    percentiles = dict(re.findall(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+(?:us|ms|s))\s*$", output, re.MULTILINE))
    if set(percentiles) != {"50", "99"}:
        raise SystemExit(f"unexpected wrk output:\n{output}")
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", output)

    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    return rate, milliseconds(percentiles["50"]), milliseconds(percentiles["99"]), int(failed.group(1)) if failed else 0


def python_load(
    port: int, path: str, headers: dict, connections: int, seconds: float
) -> tuple[float, float, float, int]:
    latencies: list[float] = []
    failures = [0]
    deadline = time.perf_counter() + seconds

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                failures[0] += response.status != 200
            except (OSError, http.client.HTTPException):
                failures[0] += 1
                connection.close()
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 30)
    samples = sorted(latencies)
    rate = len(samples) / (time.perf_counter() - started)
    return rate, samples[len(samples) // 2], samples[int(0.99 * (len(samples) - 1))], failures[0]


def over_http(endpoints: dict, headers: dict, args) -> dict[str, tuple[float, float, float, int]]:
    load = python_load if args.python_client or shutil.which("wrk") is None else wrk
    log = tempfile.NamedTemporaryFile(prefix="posthog-api-bench-persons-", suffix=".log", delete=False)
    port, server = free_port(), None
    try:
        server = start_server(port, args.workers, args.threads, log, -(-args.connections // args.workers))
        wait_until_ready(server, port, timeout=10)
        turns: dict[str, list] = {label: [] for label in endpoints}
        for _ in range(args.rounds):
            for label, path in endpoints.items():
                load(port, path, headers, args.connections, 1)  # warm-up
                turns[label].append(load(port, path, headers, args.connections, args.duration / args.rounds))
        results = {}
        for label, measured in turns.items():
            middle = len(measured) // 2
            rate = sum(m[0] for m in measured) / len(measured)
            results[label] = (
                rate,
                sorted(m[1] for m in measured)[middle],
                sorted(m[2] for m in measured)[middle],
                sum(m[3] for m in measured),
            )
        return results
    finally:
        if server is not None:
            stop_server(server)
        log.close()
        os.unlink(log.name)


def main() -> None:
    args = parse_args()
    load_before = " ".join(f"{value:.2f}" for value in os.getloadavg())
    signal.signal(signal.SIGALRM, lambda signum, frame: sys.exit("stopped: the run took too long"))
    signal.alarm(int(600 + 3 * args.duration * args.rounds))
    server_config = server_settings()
    admin_execute(server_config, f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    admin_execute(server_config, f'CREATE DATABASE "{DATABASE}"')
    try:
        os.environ["DATABASE_URL"] = database_url(server_config, DATABASE)
        os.environ["DJANGO_SETTINGS_MODULE"] = "bench.persons_settings"
        os.environ.setdefault("SECRET_KEY", "bench-only-secret")
        headers, team_id = seed(args.persons)
        endpoints = {
            "GET /persons/ (posthog-api)": f"/api/environments/{team_id}/persons/",
            "plain DRF ModelSerializer list": f"/bench/plain_persons/{team_id}/",
        }
        local = in_process(endpoints, headers, args.rounds, args.requests)
        from django.db import connections

        connections.close_all()
        remote = over_http(endpoints, headers, args)
    finally:
        signal.alarm(0)
        from django.db import connections

        connections.close_all()
        admin_execute(server_config, f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    ours, plain = endpoints
    print(
        f"\n{dt.date.today().isoformat()}  {args.persons} persons x 2 distinct ids x {PROPERTIES} properties, 100 per "
        f"page; {os.cpu_count()} CPUs shared by server, client and PostgreSQL; load {load_before} before"
    )
    print(
        f"{'endpoint':<34} {'in-process ms':>13} {'queries':>8} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'failed':>6}"
    )
    for label in endpoints:
        (milliseconds, queries), (rate, p50, p99, failed) = local[label], remote[label]
        print(f"{label:<34} {milliseconds:>13.2f} {queries:>8} {rate:>8.1f} {p50:>7.1f} {p99:>7.1f} {failed:>6}")
    in_process_ratio = local[plain][0] / local[ours][0]
    http_ratio = remote[ours][0] / remote[plain][0]
    verdict = "meets" if min(in_process_ratio, http_ratio) >= 1.0 else "misses"
    print(
        f"\nposthog-api vs plain DRF: {in_process_ratio:.2f}x in process, {http_ratio:.2f}x over HTTP "
        f"({verdict} the >= 1.0x target)"
    )


if __name__ == "__main__":
    main()
