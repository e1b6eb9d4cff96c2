"""The package index's list of a project's releases (PEP 691 JSON, or a PEP 503 page for a local
index): which versions have wheels (their file names, so which targets they serve), an sdist,
and when each was uploaded."""

from __future__ import annotations

import html
import json
import os
import re
import urllib.request
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import Version

from hfscaffold.errors import ExternalError

DEFAULT_INDEX = "https://pypi.org/simple"
_JSON = "application/vnd.pypi.simple.v1+json"


@dataclass(frozen=True)
class Release:
    version: Version
    uploaded: datetime | None  # the first upload of a wheel of this version
    wheel_sha256: str | None  # of one of its wheels, for caching what was read from it
    wheels: tuple[str, ...] = ()  # the file names of its wheels
    sdist: str | None = None  # the file name of its source distribution
    requires_python: str | None = None


def index_url() -> str:
    """The index uv uses here (UV_DEFAULT_INDEX / UV_INDEX_URL), else PyPI."""
    return (os.environ.get("UV_DEFAULT_INDEX") or os.environ.get("UV_INDEX_URL") or DEFAULT_INDEX).rstrip("/")


def releases(name: str, *, index: str | None = None, timeout: float = 30) -> list[Release]:
    """The final releases of ``name`` that have a wheel, oldest first (yanked ones left out)."""
    base = index or index_url()
    project = canonicalize_name(name)
    if urlsplit(base).scheme == "file":
        page = Path(urlsplit(base).path) / project / "index.html"
        try:
            text = page.read_text(encoding="utf-8")
        except OSError as exc:
            raise ExternalError(f"the index has no project {name}: {exc.strerror}") from None
        files: list[dict[str, Any]] = [
            {"filename": unquote(href.rsplit("/", 1)[-1].split("#")[0]), "requires-python": _attribute(tag)}
            for tag, href in re.findall(r'(<a [^>]*href="([^"]+)"[^>]*>)', text)
        ]
    else:
        request = urllib.request.Request(f"{base}/{project}/", headers={"Accept": _JSON})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                files = json.loads(response.read())["files"]
        except (OSError, ValueError, KeyError) as exc:
            raise ExternalError(
                f"could not list the releases of {name}: {exc}", hint="check the connection to the package index"
            ) from None
    found: dict[Version, Release] = {}
    sdists: dict[Version, str] = {}
    for entry in files:
        filename = str(entry.get("filename", ""))
        if entry.get("yanked"):
            continue
        if filename.endswith((".tar.gz", ".zip")):
            try:
                sdists[parse_sdist_filename(filename)[1]] = filename
            except (InvalidSdistFilename, ValueError):
                pass
            continue
        if not filename.endswith(".whl"):
            continue
        try:
            _, version, _, _ = parse_wheel_filename(filename)
        except (InvalidWheelFilename, ValueError):
            continue
        if version.is_prerelease or version.is_devrelease:
            continue
        uploaded = _time(entry.get("upload-time"))
        digest = entry.get("hashes", {}).get("sha256") if isinstance(entry.get("hashes"), dict) else None
        python = entry.get("requires-python") if isinstance(entry.get("requires-python"), str) else None
        known = found.get(version)
        wheels = (*known.wheels, filename) if known else (filename,)
        if known is None or (uploaded and known.uploaded and uploaded < known.uploaded):
            known = Release(version, uploaded, digest or (known.wheel_sha256 if known else None))
        found[version] = replace(known, wheels=wheels, requires_python=known.requires_python or python)
    return [replace(found[v], sdist=sdists.get(v)) for v in sorted(found)]


def _attribute(tag: str) -> str | None:
    """A PEP 503 anchor's data-requires-python, unescaped."""
    match = re.search(r'data-requires-python="([^"]*)"', tag)
    return html.unescape(match.group(1)) if match else None


def _time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
