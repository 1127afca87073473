import datetime as dt

from django.db import connection


def partitions() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'ingestion_event'::regclass"
        )
        return {row[0] for row in cursor.fetchall()}


def test_events_table_has_monthly_partitions_around_now(db):
    now = dt.datetime.now(dt.UTC)
    assert f"ingestion_event_p{now:%Y%m}" in partitions()


def test_ensure_partition_creates_a_missing_month_once(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT ingestion_ensure_event_partition('2001-02-17T10:00:00Z')")
        assert cursor.fetchone()[0] == "ingestion_event_p200102"
        cursor.execute("SELECT ingestion_ensure_event_partition('2001-02-01T00:00:00Z')")
        cursor.execute(
            "SELECT pg_get_expr(c.relpartbound, c.oid) FROM pg_class c WHERE relname = 'ingestion_event_p200102'"
        )
        assert cursor.fetchone()[0] == ("FOR VALUES FROM ('2001-02-01 00:00:00+00') TO ('2001-03-01 00:00:00+00')")
    assert "ingestion_event_p200102" in partitions()


def test_events_before_2000_share_one_partition(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT ingestion_ensure_event_partition('1970-01-01T00:00:00Z')")
        assert cursor.fetchone()[0] == "ingestion_event_before_2000"
    assert not any(name.startswith("ingestion_event_p19") for name in partitions())
