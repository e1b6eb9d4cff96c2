"""hfscaffold's folder in the user's cache directory.

Its own module, apart from adapters.fs: reading a compiled index needs the folder's name and
nothing of fs's machinery for writing (shutil, tempfile), which costs a check's start-up time.
"""

from __future__ import annotations

from pathlib import Path


def user_cache() -> Path:
    """hfscaffold's folder in the user's cache directory (platformdirs: XDG on Linux)."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("hfscaffold"))
