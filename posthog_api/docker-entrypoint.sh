#!/bin/sh
# Container entry point: wait for PostgreSQL, migrate, bootstrap on the very first run, then exec gunicorn.
#
# Environment: DATABASE_URL (required), PORT (8000), WEB_CONCURRENCY (2 workers), GUNICORN_THREADS (4),
# DATABASE_WAIT_TIMEOUT (60 seconds), BIND_ADDRESS (0.0.0.0), PYTHON (python).
# Any arguments replace the server command, e.g. `docker compose run api python manage.py bootstrap`.
set -eu

cd "$(dirname "$0")/.."

: "${DATABASE_URL:?DATABASE_URL must be set (postgres://user:password@host:5432/name)}"
PYTHON="${PYTHON:-python}"
PORT="${PORT:-8000}"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-posthog_api.settings}"

echo "Waiting for the database (up to ${DATABASE_WAIT_TIMEOUT:-60}s)..."
"$PYTHON" - <<'PY'
import os
import sys
import time

import psycopg
from django.conf import settings

database = settings.DATABASES["default"]
# Connection options meant for libpq (sslmode, ...), without the ones only Django understands.
DJANGO_ONLY = {"pool", "server_side_binding", "isolation_level", "assume_role"}
options = {name: value for name, value in database.get("OPTIONS", {}).items() if name not in DJANGO_ONLY}
timeout = float(os.environ.get("DATABASE_WAIT_TIMEOUT", "60"))
deadline = time.monotonic() + timeout
while True:
    try:
        psycopg.connect(
            host=database["HOST"] or None,
            port=database["PORT"] or None,
            user=database["USER"] or None,
            password=database["PASSWORD"] or None,
            dbname=database["NAME"],
            connect_timeout=max(1, min(5, int(deadline - time.monotonic()))),
            **options,
        ).close()
        print("The database is up.")
        break
    except psycopg.OperationalError as error:
        if time.monotonic() >= deadline:
            print(f"The database is still unreachable after {timeout:g}s: {error}".strip(), file=sys.stderr)
            sys.exit(1)
        time.sleep(1)
PY

"$PYTHON" manage.py migrate --noinput
# Prints the first personal API key when the database has no user yet; says "Already bootstrapped" afterwards.
"$PYTHON" manage.py bootstrap --if-empty

if [ "$#" -gt 0 ]; then
    exec "$@"
fi

exec "$PYTHON" -m gunicorn posthog_api.wsgi:application \
    --bind "${BIND_ADDRESS:-0.0.0.0}:${PORT}" \
    --workers "${WEB_CONCURRENCY:-2}" \
    --worker-class gthread \
    --threads "${GUNICORN_THREADS:-4}" \
    --timeout "${GUNICORN_TIMEOUT:-30}" \
    --graceful-timeout 20 \
    --no-control-socket
