"""Files uploaded through `warehouse_tables/file/`: kept under WAREHOUSE_UPLOAD_ROOT with PostHog's key layout
(`managed/team_{team_id}/{filename}`) and named by URLs under WAREHOUSE_UPLOAD_URL."""

import re
from pathlib import Path

from django.conf import settings

UNSAFE_CHARACTERS = re.compile(r"[^A-Za-z0-9._-]")


def configured() -> bool:
    return bool(settings.WAREHOUSE_UPLOAD_ROOT)


def sanitize_filename(name: str) -> str:
    """The last path component with anything but letters, digits, `.`, `_` and `-` replaced by `_`."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return UNSAFE_CHARACTERS.sub("_", base)


def _team_prefix(team_id: int) -> str:
    return f"managed/team_{team_id}/"


def url_for(team_id: int, filename: str) -> str:
    return f"{settings.WAREHOUSE_UPLOAD_URL}/{_team_prefix(team_id)}{filename}"


def path_for_url(url: str, team_id: int) -> Path | None:
    """The local file behind `url` when it names one of this team's uploads, else None."""
    prefix = f"{settings.WAREHOUSE_UPLOAD_URL}/{_team_prefix(team_id)}"
    if not configured() or not url.startswith(prefix):
        return None
    filename = url[len(prefix) :]
    if not filename or filename != sanitize_filename(filename) or filename.startswith("."):
        return None
    return Path(settings.WAREHOUSE_UPLOAD_ROOT) / _team_prefix(team_id) / filename


def save(team_id: int, filename: str, chunks) -> Path:
    """Write the upload (an iterable of bytes) atomically: readers see the old file or the new one."""
    path = Path(settings.WAREHOUSE_UPLOAD_ROOT) / _team_prefix(team_id) / filename
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{filename}.partial")
    with partial.open("wb") as out:
        for chunk in chunks:
            out.write(chunk)
    partial.replace(path)
    return path


def remove(url: str, team_id: int) -> None:
    path = path_for_url(url, team_id)
    if path is not None:
        path.unlink(missing_ok=True)
