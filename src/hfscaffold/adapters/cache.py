"""hfscaffold's folder in the user's cache directory.

Its own module, apart from adapters.fs: reading a compiled index needs the folder's name and
nothing of fs's machinery for writing (shutil, tempfile), which costs a check's start-up time.

On Linux the folder is named here, by the XDG rule platformdirs follows (an absolute
``$XDG_CACHE_HOME``, else ``$HOME/.cache``): importing platformdirs imports tempfile, shutil
and random, about a tenth of a plain check, for one folder name. Anything else (another system,
Android, a home that is not an absolute path) asks platformdirs, and a test holds the two
answers equal on the cases named here.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

_APP = "hfscaffold"


def user_cache() -> Path:
    """hfscaffold's folder in the user's cache directory (platformdirs: XDG on Linux)."""
    folder = _linux_cache_home()
    if folder is None:
        from platformdirs import user_cache_dir

        return Path(user_cache_dir(_APP))
    return Path(folder, _APP)


def _linux_cache_home() -> str | None:
    """The XDG cache home where the rule is plain, or None where platformdirs decides."""
    if not sys.platform.startswith("linux") or hasattr(sys, "getandroidapilevel") or "ANDROID_DATA" in os.environ:
        return None
    configured = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(configured):
        return configured
    home = os.environ.get("HOME", "")
    return os.path.join(home, ".cache") if os.path.isabs(home) else None
