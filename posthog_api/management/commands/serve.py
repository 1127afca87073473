"""Migrate, bootstrap on first run, then run gunicorn on 0.0.0.0:$PORT and one ingestion worker until stopped."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--workers", default=os.environ.get("WEB_CONCURRENCY", "2"))
        # NOTE: as the Docker entrypoint. On 2 cores, 1, 2 and 4 threads per worker measured within noise of each
        # other (bench/README.md); threads keep one slow request from holding a whole worker and overlap database
        # round trips.
        parser.add_argument("--threads", default=os.environ.get("GUNICORN_THREADS", "4"))

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("bootstrap", if_empty=True)
        # NOTE: this process keeps its handle on the embedded PostgreSQL, so the server stays up between gunicorn
        # restarts and stops when this command ends.
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "posthog_api.wsgi:application",
            "--bind",
            f"0.0.0.0:{options['port']}",
            "--workers",
            str(options["workers"]),
            "--worker-class",
            "gthread",
            "--threads",
            str(options["threads"]),
            # No control socket: its default path is per user, so two servers of one user would share it.
            "--no-control-socket",
        ]
        self.stdout.write(f"Serving on http://0.0.0.0:{options['port']} (Swagger UI at /api/schema/swagger-ui/)")
        self.stdout.flush()
        server = subprocess.Popen(command)
        ingest_command = [sys.executable, str(settings.BASE_DIR / "manage.py"), "ingest"]
        worker = subprocess.Popen(ingest_command)
        signal.signal(signal.SIGTERM, _raise_interrupt)
        try:
            while server.poll() is None:
                if worker.poll() is not None:
                    self.stderr.write(f"Ingestion worker exited with {worker.returncode}; restarting it")
                    time.sleep(1)
                    worker = subprocess.Popen(ingest_command)
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            for process in (server, worker):
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process in (server, worker):
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()


def _raise_interrupt(*_args):
    raise KeyboardInterrupt
