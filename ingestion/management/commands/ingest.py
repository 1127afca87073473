"""Process the capture queue: persons, groups, definitions and events, one team's batch per transaction."""

import gc
import signal

from django.core.management.base import BaseCommand

from ingestion.worker import DEFAULT_BATCH_EVENTS, Worker, ensure_upcoming_partitions


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_EVENTS, help="events per transaction")
        parser.add_argument("--poll-interval", type=float, default=0.2, help="seconds to wait when the queue is empty")
        parser.add_argument("--until-empty", action="store_true", help="exit once the queue is empty")

    def handle(self, *args, **options):
        ensure_upcoming_partitions()
        # A batch allocates a few dicts per event, nearly all freed by reference counting: with the default threshold
        # the cyclic collector runs every 700 allocations and rescans the whole batch (~10% of the worker's time).
        gc.freeze()
        gc.set_threshold(100_000, 50, 100)
        worker = Worker(batch_events=options["batch_size"], poll_interval=options["poll_interval"])
        # SIGTERM / Ctrl-C finish the current batch, then exit.
        signal.signal(signal.SIGTERM, worker.stop)
        signal.signal(signal.SIGINT, worker.stop)
        self.stdout.write("Ingestion worker started")
        self.stdout.flush()
        total = worker.run(until_empty=options["until_empty"])
        self.stdout.write(f"Ingestion worker stopped after {total} events")
