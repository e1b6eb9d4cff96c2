"""The cache folder's name: hfscaffold's own XDG rule gives platformdirs' answer."""

from __future__ import annotations

import sys

import platformdirs
import pytest

from hfscaffold.adapters import cache


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the folder is named by hfscaffold on Linux only")
@pytest.mark.parametrize(
    ("xdg", "home"),
    [
        (None, "/home/someone"),
        ("", "/home/someone"),
        ("   ", "/home/someone/"),
        ("/var/cache/someone", "/home/someone"),
        ("/var/cache/someone/", None),
        ("relative/cache", "/home/someone"),
        (None, "/"),
    ],
)
def test_the_cache_folder_is_the_one_platformdirs_names(
    monkeypatch: pytest.MonkeyPatch, xdg: str | None, home: str | None
) -> None:
    for name, value in (("XDG_CACHE_HOME", xdg), ("HOME", home)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert cache._linux_cache_home() is not None  # named here, not handed on
    assert str(cache.user_cache()) == platformdirs.user_cache_dir("hfscaffold")


@pytest.mark.parametrize("home", ["relative/home", ""])
def test_a_home_that_is_not_an_absolute_path_is_left_to_platformdirs(
    monkeypatch: pytest.MonkeyPatch, home: str
) -> None:
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", home)
    assert cache._linux_cache_home() is None


def test_android_is_left_to_platformdirs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANDROID_DATA", "/data")
    assert cache._linux_cache_home() is None
