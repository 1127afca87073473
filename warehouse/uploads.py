"""Files uploaded through `warehouse_tables/file/`: kept in PostgreSQL (UploadedFile, one row per team and file
name) and named by URLs under WAREHOUSE_UPLOAD_URL with PostHog's key layout (`managed/team_{team_id}/{filename}`).
Nothing serves those URLs: a table whose URL names an upload reads the stored row (sources.StoredSource)."""

import re

from django.conf import settings

from warehouse.models import UploadedFile

UNSAFE_CHARACTERS = re.compile(r"[^A-Za-z0-9._-]")


def sanitize_filename(name: str) -> str:
    """The last path component with anything but letters, digits, `.`, `_` and `-` replaced by `_`."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return UNSAFE_CHARACTERS.sub("_", base)


def _team_prefix(team_id: int) -> str:
    return f"managed/team_{team_id}/"


def url_for(team_id: int, filename: str) -> str:
    return f"{settings.WAREHOUSE_UPLOAD_URL}/{_team_prefix(team_id)}{filename}"


def filename_for_url(url: str, team_id: int) -> str | None:
    """The name of this team's upload `url` names, else None."""
    prefix = f"{settings.WAREHOUSE_UPLOAD_URL}/{_team_prefix(team_id)}"
    if not url.startswith(prefix):
        return None
    filename = url[len(prefix) :]
    if not filename or filename != sanitize_filename(filename) or filename.startswith("."):
        return None
    return filename


def save(team_id: int, filename: str, file) -> None:
    """Store the upload (an open binary file), replacing this team's file of that name. Runs inside the caller's
    transaction, so a failed upload leaves nothing."""
    file.seek(0)
    content = file.read()
    UploadedFile.objects.bulk_create(
        [UploadedFile(team_id=team_id, filename=filename, content=content, size=len(content))],
        update_conflicts=True,
        unique_fields=["team", "filename"],
        update_fields=["content", "size", "updated_at"],
    )


def remove(url: str, team_id: int) -> None:
    filename = filename_for_url(url, team_id)
    if filename is not None:
        UploadedFile.objects.filter(team_id=team_id, filename=filename).delete()
