"""Load-test the real server on loopback and compare API endpoints with two baselines served the same way.

gunicorn runs `posthog_api.wsgi` with the project's settings (bench/bench_settings.py only swaps in a URLconf that
adds /bench/constant and /bench/select) against a throwaway database on the embedded PostgreSQL (or on the server
of DATABASE_URL). 16 keep-alive clients load each endpoint in turn: wrk when installed, else Python threads.
Everything is bounded in time; the server and the database are removed at the end.

    .venv/bin/python bench/api.py [--duration 10] [--connections 16] [--workers 2] [--python-client]
"""

import argparse
import datetime
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
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.harness import (  # noqa: E402
    admin_execute,
    database_url,
    free_port,
    get,
    milliseconds,
    server_settings,
    start_server,
    stop_server,
    wait_until_ready,
)

BENCH_DATABASE = "posthog_api_bench"
BENCH_EMAIL = "bench@localhost"


@dataclass
class Endpoint:
    label: str
    path: str
    headers: dict
    queries: int | None = None
    in_process_ms: float | None = None


@dataclass
class Result:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    failures: int


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=15.0, help="seconds of measured load per endpoint")
    parser.add_argument("--rounds", type=int, default=3, help="the duration is split into this many turns")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds of unmeasured load before each turn")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="gthread threads per worker")
    parser.add_argument("--python-client", action="store_true", help="use the Python load generator even with wrk")
    parser.add_argument("--max-requests", type=int, default=500_000, help="per endpoint, Python client only")
    return parser.parse_args()


def prepare_database() -> list[Endpoint]:
    """Migrate the bench database, bootstrap a user, organization and key, and count each endpoint's queries."""
    import django

    django.setup()
    logging.getLogger("posthog_api.requests").disabled = True  # this process's own requests are not the benchmark
    from django.core.management import call_command
    from django.db import connection, connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from posthog_api.management.commands.bootstrap import bootstrap
    from users.models import User

    call_command("migrate", verbosity=0)
    created = bootstrap(email=BENCH_EMAIL, organization_name="Bench")
    auth = {"Authorization": f"Bearer {created['personal_api_key']}"}
    user = User.objects.get(email=BENCH_EMAIL)
    endpoints = [
        Endpoint("baseline: constant JSON", "/bench/constant", {}),
        Endpoint("baseline: one pk SELECT", f"/bench/select?pk={user.pk}", {}),
        Endpoint("baseline: DRF + key auth + pk SELECT", "/bench/authenticated-select", auth),
        Endpoint("GET /api/users/@me/", "/api/users/@me/", auth),
        Endpoint(
            "GET /api/organizations/{id}/members/", f"/api/organizations/{created['organization_id']}/members/", auth
        ),
    ]
    client = Client()
    for endpoint in endpoints:
        headers = {f"HTTP_{name.upper()}": value for name, value in endpoint.headers.items()}
        client.get(endpoint.path, **headers)  # first use: writes last_used_at, warms caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get(endpoint.path, **headers)
        if response.status_code != 200:
            raise SystemExit(f"{endpoint.path} answered {response.status_code}: {response.content[:300]!r}")
        endpoint.queries = len(queries)
    in_process_milliseconds(client, endpoints)
    connections.close_all()
    return endpoints


def in_process_milliseconds(client, endpoints: list[Endpoint], rounds: int = 8, requests: int = 40) -> None:
    """One thread, no HTTP. Endpoints take turns and each keeps its best round, so other work matters less."""
    best = {endpoint.path: float("inf") for endpoint in endpoints}
    for _ in range(rounds):
        for endpoint in endpoints:
            headers = {f"HTTP_{name.upper()}": value for name, value in endpoint.headers.items()}
            started = time.perf_counter()
            for _ in range(requests):
                client.get(endpoint.path, **headers)
            best[endpoint.path] = min(best[endpoint.path], (time.perf_counter() - started) * 1000 / requests)
    for endpoint in endpoints:
        endpoint.in_process_ms = best[endpoint.path]


def run_wrk(port: int, endpoint: Endpoint, connections: int, duration: float) -> Result:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(duration))}s", "--timeout", "5s", "--latency"]
    for name, value in endpoint.headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://127.0.0.1:{port}{endpoint.path}")
    output = subprocess.run(command, capture_output=True, text=True, timeout=duration + 30, check=True).stdout
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", output, re.MULTILINE))
    failures = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return Result(
        requests_per_second=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        p50_ms=milliseconds(percentiles["50"]),
        p99_ms=milliseconds(percentiles["99"]),
        requests=int(re.search(r"(\d+) requests in", output).group(1)),
        failures=(int(failures.group(1)) if failures else 0) + (sum(map(int, errors.groups())) if errors else 0),
    )


def run_python_client(port: int, endpoint: Endpoint, connections: int, duration: float, max_requests: int) -> Result:
    """`connections` threads, each with one keep-alive connection, until the time or the request budget runs out."""
    latencies: list[list[float]] = [[] for _ in range(connections)]
    failures = [0] * connections
    per_thread = max(1, max_requests // connections)
    deadline = time.perf_counter() + duration

    def load(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        while time.perf_counter() < deadline and len(latencies[index]) < per_thread:
            started = time.perf_counter()
            try:
                connection.request("GET", endpoint.path, headers=endpoint.headers)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    failures[index] += 1
            except (OSError, http.client.HTTPException):
                failures[index] += 1
                connection.close()  # reopened by the next request
            latencies[index].append((time.perf_counter() - started) * 1000)
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=load, args=(index,), daemon=True) for index in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=duration + 30)
    elapsed = time.perf_counter() - started
    samples = sorted(value for values in latencies for value in values)
    if not samples:
        raise SystemExit(f"no request to {endpoint.path} completed")
    return Result(
        requests_per_second=len(samples) / elapsed,
        p50_ms=samples[int(0.50 * (len(samples) - 1))],
        p99_ms=samples[int(0.99 * (len(samples) - 1))],
        requests=len(samples),
        failures=sum(failures),
    )


def load(client: str, port: int, endpoint: Endpoint, args, duration: float) -> Result:
    if client == "wrk":
        return run_wrk(port, endpoint, args.connections, duration)
    return run_python_client(port, endpoint, args.connections, duration, args.max_requests)


def combine(rounds: list[Result]) -> Result:
    """Requests over time across rounds; the median round's percentiles (wrk's histograms cannot be merged)."""
    middle = len(rounds) // 2
    return Result(
        requests_per_second=sum(r.requests for r in rounds) / sum(r.requests / r.requests_per_second for r in rounds),
        p50_ms=sorted(r.p50_ms for r in rounds)[middle],
        p99_ms=sorted(r.p99_ms for r in rounds)[middle],
        requests=sum(r.requests for r in rounds),
        failures=sum(r.failures for r in rounds),
    )


def report(args, client: str, endpoints: list[Endpoint], results: list[Result]) -> None:
    baseline = results[1].requests_per_second
    print()
    print(
        f"{datetime.date.today().isoformat()}  gunicorn {args.workers} gthread workers x {args.threads} threads, "
        f"{args.connections} connections, {args.duration:g}s per endpoint, client: {client}, "
        f"{os.cpu_count()} CPUs (server, client and PostgreSQL share them)"
    )
    print(f"load average before: {args.load_before}, after: {format_load()}")
    print(
        f"{'endpoint':<40} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'vs SELECT':>10} {'queries':>8} {'failed':>7}"
        f" {'in-process ms':>14} {'vs SELECT':>10}"
    )
    for endpoint, result in zip(endpoints, results, strict=True):
        print(
            f"{endpoint.label:<40} {result.requests_per_second:>9.1f} {result.p50_ms:>8.2f} {result.p99_ms:>8.2f} "
            f"{result.requests_per_second / baseline:>10.0%} {endpoint.queries:>8} {result.failures:>7}"
            f" {endpoint.in_process_ms:>14.3f} {endpoints[1].in_process_ms / endpoint.in_process_ms:>10.0%}"
        )
    ratio = results[3].requests_per_second / baseline
    verdict = "meets" if ratio >= 0.6 else "misses"
    print(f"\nAuthenticated retrieve (@me) at {ratio:.0%} of the SELECT baseline: {verdict} the 60% target.")


def format_load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def raise_exit(signum, frame):
    raise SystemExit(f"stopped by signal {signum}")


def main() -> None:
    args = parse_args()
    args.load_before = format_load()
    client = "python threads" if args.python_client or shutil.which("wrk") is None else "wrk"
    budget = 120 + 4 * (args.duration + args.rounds * (args.warmup + 60))
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGALRM):
        signal.signal(signum, raise_exit)
    signal.alarm(int(budget))  # the whole run stops by itself, whatever happens

    server_config = server_settings()
    admin_execute(server_config, f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')
    admin_execute(server_config, f'CREATE DATABASE "{BENCH_DATABASE}"')
    server = None
    log = tempfile.NamedTemporaryFile(prefix="posthog-api-bench-", suffix=".log", delete=False)
    try:
        os.environ["DATABASE_URL"] = database_url(server_config, BENCH_DATABASE)
        os.environ["DJANGO_SETTINGS_MODULE"] = "bench.bench_settings"
        os.environ.setdefault("SECRET_KEY", "bench-only-secret")
        endpoints = prepare_database()
        port = free_port()
        server = start_server(port, args.workers, args.threads, log, -(-args.connections // args.workers))
        wait_until_ready(server, port)
        for endpoint in endpoints:
            status, body = get(port, endpoint.path, endpoint.headers)
            if status != 200:
                raise SystemExit(f"{endpoint.path} answered {status}: {body[:300]!r}")
        rounds: list[list[Result]] = [[] for _ in endpoints]
        # Endpoints take turns, round after round, so a load change on the machine hits them all alike.
        for number in range(args.rounds):
            for endpoint, measured in zip(endpoints, rounds, strict=True):
                load(client, port, endpoint, args, args.warmup)
                measured.append(load(client, port, endpoint, args, args.duration / args.rounds))
            turns = " ".join(f"{measured[-1].requests_per_second:7.0f}" for measured in rounds)
            print(f"round {number + 1}/{args.rounds}, req/s per endpoint: {turns}", flush=True)
        results = [combine(measured) for measured in rounds]
        report(args, client, endpoints, results)
    finally:
        signal.alarm(0)
        if server is not None:
            stop_server(server)
        log.close()
        os.unlink(log.name)
        from django.db import connections

        connections.close_all()
        admin_execute(server_config, f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')


if __name__ == "__main__":
    main()
