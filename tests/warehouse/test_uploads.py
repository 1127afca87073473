"""Uploads kept in PostgreSQL: how they are stored and how a head or tail is read back."""

import io
import os

import pytest
from django.db import connection

from warehouse import uploads
from warehouse.inference import ColumnsError
from warehouse.models import UploadedFile
from warehouse.sources import StoredSource, source_for


def save(team, filename: str, content: bytes) -> None:
    uploads.save(team.pk, filename, io.BytesIO(content))


def test_content_is_kept_uncompressed_out_of_line(team):
    content = b"a" * 1_000_000  # would compress to almost nothing
    save(team, "big.csv", content)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstorage FROM pg_attribute WHERE attrelid = 'warehouse_uploadedfile'::regclass "
            "AND attname = 'content'"
        )
        assert cursor.fetchone() == ("e",)
        cursor.execute("SELECT pg_column_size(content) FROM warehouse_uploadedfile")
        assert cursor.fetchone()[0] >= len(content)


def test_a_stored_file_is_read_by_its_head_and_tail(team):
    content = os.urandom(300_000)
    save(team, "data.bin", content)
    source = StoredSource(team.pk, "data.bin")

    assert source.head(1000) == (content[:1000], True)
    assert source.head(300_000) == (content, False)
    assert source.tail(1000) == (content[-1000:], 300_000)
    assert source.tail(500_000) == (content, 300_000)


def test_an_empty_file(team):
    save(team, "empty.csv", b"")
    source = StoredSource(team.pk, "empty.csv")

    assert (source.head(10), source.tail(10)) == ((b"", False), (b"", 0))


def test_saving_again_replaces_the_content(team):
    save(team, "a.csv", b"old")
    save(team, "a.csv", b"newer")

    assert [(bytes(row.content), row.size) for row in UploadedFile.objects.all()] == [(b"newer", 5)]


@pytest.mark.parametrize(
    "path",
    ["managed/team_{mine}/missing.csv", "managed/team_{theirs}/a.csv", "managed/team_{mine}/.a.csv", "other/a.csv"],
)
def test_a_url_naming_no_file_of_this_team_is_a_missing_file(team, other_organization, settings, path):
    settings.WAREHOUSE_UPLOAD_URL = "https://uploads.example.com/bucket"
    theirs = other_organization.teams.get()
    save(theirs, "a.csv", b"a\n1\n")
    save(team, ".a.csv", b"a\n1\n")
    url = f"{settings.WAREHOUSE_UPLOAD_URL}/{path.format(mine=team.pk, theirs=theirs.pk)}"

    with pytest.raises(ColumnsError, match="The provided file doesn't exist in the bucket"):
        source_for(url=url, team_id=team.pk, access_key=None, access_secret=None).head(10)
