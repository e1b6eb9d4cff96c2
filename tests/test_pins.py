from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from hfscaffold.errors import UserError
from hfscaffold.naming import canonical_name
from hfscaffold.pins import read_pins, read_pylock, read_requirements, read_uv_lock, sniff
from hfscaffold.requirements import parse_requirements

UV_LOCK = """\
version = 1
revision = 3
requires-python = "==3.11.*"

[[package]]
name = "demo"
version = "0.1.0"
source = { virtual = "." }

[[package]]
name = "Huggingface_Hub"
version = "0.26.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "numpy"
version = "1.26.4"
source = { registry = "https://pypi.org/simple" }
resolution-markers = ["sys_platform == 'darwin'"]

[[package]]
name = "numpy"
version = "2.1.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "local-tool"
source = { editable = "tools/x" }
"""

PYLOCK = """\
lock-version = "1.0"
created-by = "uv"
requires-python = "==3.11.*"

[[packages]]
name = "diffusers"
version = "0.27.2"

[[packages]]
name = "huggingface-hub"
version = "0.26.0"

[[packages]]
name = "my-app"
directory = { path = "." }
"""

FREEZE = """\
# pip freeze, with everything pip-compile and people add
transformers[torch]==4.44.2 ; python_version >= "3.10"   # the model library
Tokenizers==0.19.1 \\
    --hash=sha256:0000000000000000000000000000000000000000000000000000000000000000
-e git+https://example.org/x.git#egg=x
-r other.txt
--index-url https://pypi.org/simple
mypkg @ file:///tmp/mypkg-1.0-py3-none-any.whl

torch===2.5.1+cpu
"""


def test_uv_lock_holds_every_version_of_every_package() -> None:
    pins = read_uv_lock(UV_LOCK)
    assert pins.versions("numpy") == (Version("1.26.4"), Version("2.1.0"))
    assert pins.version("huggingface-hub") == Version("0.26.0")  # names are canonicalized
    assert "local-tool" not in pins.packages  # no version: nothing to check
    assert len(pins) == 3 and pins.kind == "uv.lock"


def test_pylock_toml() -> None:
    pins = read_pylock(PYLOCK)
    assert pins.as_strings() == {"diffusers": "0.27.2", "huggingface-hub": "0.26.0"}


def in_memory(files: dict[str, str]):  # type: ignore[no-untyped-def]
    """An include reader over a dict of file contents (name -> text)."""

    def read(target: str, where: str):  # type: ignore[no-untyped-def]
        return files[target], target, read

    return read


def test_requirements_tolerate_comments_hashes_extras_markers_and_options() -> None:
    pins = read_requirements(FREEZE, include=in_memory({"other.txt": "numpy==1.26.4\n"}))
    assert pins.as_strings() == {
        "numpy": "1.26.4",
        "tokenizers": "0.19.1",
        "torch": "2.5.1+cpu",
        "transformers": "4.44.2",
    }


def test_an_include_without_a_file_to_follow_it_is_refused_not_skipped() -> None:
    with pytest.raises(UserError) as info:
        read_requirements("a==1\n-r other.txt\n")
    assert "requirements.txt:2: cannot follow the include 'other.txt'" in info.value.message


def test_includes_are_followed_relative_to_the_file_and_never_outside_its_folder(tmp_path: Path) -> None:
    (tmp_path / "reqs").mkdir()
    (tmp_path / "reqs" / "base.txt").write_text("numpy==1.26.4\n-r more/extra.txt\n")
    (tmp_path / "reqs" / "more").mkdir()
    (tmp_path / "reqs" / "more" / "extra.txt").write_text("--requirement=../leaf.txt\n")
    (tmp_path / "reqs" / "leaf.txt").write_text("tqdm==4.66.5\n")
    (tmp_path / "requirements.txt").write_text("transformers==4.44.2\n-r reqs/base.txt\n")
    assert read_pins(tmp_path / "requirements.txt").as_strings() == {
        "numpy": "1.26.4",
        "tqdm": "4.66.5",
        "transformers": "4.44.2",
    }

    (tmp_path / "secret.txt").write_text("x==1\n")
    (tmp_path / "reqs" / "escape.txt").write_text("-r ../secret.txt\n")
    with pytest.raises(UserError) as info:
        read_pins(tmp_path / "reqs" / "escape.txt")
    assert "leads outside" in info.value.message and "refused" in info.value.message
    (tmp_path / "reqs" / "loop.txt").write_text("-r loop.txt\n")
    with pytest.raises(UserError) as info:
        read_pins(tmp_path / "reqs" / "loop.txt")
    assert "circular include" in info.value.message


def test_two_different_pins_of_one_package_are_reported_not_merged() -> None:
    with pytest.raises(UserError) as info:
        read_requirements("numpy==1.26.4\ntqdm==4.66.5\nnumpy==2.1.0\n")
    assert (
        "numpy is pinned twice, to 1.26.4 (requirements.txt:1) and to 2.1.0 (requirements.txt:3)" in info.value.message
    )
    # The same pin twice is harmless, and pins under markers are per platform or Python.
    assert read_requirements("numpy==1.26.4\nnumpy==1.26.4\n").as_strings() == {"numpy": "1.26.4"}
    marked = read_requirements('numpy==1.26.4; python_version < "3.12"\nnumpy==2.1.0; python_version >= "3.12"\n')
    assert [str(v) for v in marked.versions("numpy")] == ["1.26.4", "2.1.0"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ok==1.0\nnot a requirement!\n", "requirements.txt:2: cannot parse"),
        ("x==1.0\ny==banana.split\n", "requirements.txt:2: cannot parse"),
    ],
)
def test_malformed_requirements_name_the_line(text: str, message: str) -> None:
    with pytest.raises(UserError) as info:
        read_requirements(text)
    assert message in info.value.message and "\n" not in info.value.message


@pytest.mark.parametrize(
    ("reader", "text", "message"),
    [
        (read_uv_lock, "version = 1\n[[package]\n", "uv.lock: not valid TOML"),
        (read_uv_lock, "[[package]]\nname = 'x'\nversion = '1'\n", "not a uv.lock"),
        (read_uv_lock, "version = 1\n[[package]]\nversion = '1.0'\n", "package[0] has no name"),
        (
            read_uv_lock,
            "version = 1\n[[package]]\nname = 'x'\nversion = 'one'\n",
            "package[0] (x): 'one' is not a valid version",
        ),
        (read_uv_lock, "version = 1\npackage = 3\n", "is missing or not an array"),
        (read_pylock, "[[packages]]\nname = 'x'\n", "not a pylock.toml"),
        (read_pylock, 'lock-version = "1.0"\n[[packages]]\nname = "x"\nversion = "?"\n', "not a valid version"),
    ],
)
def test_malformed_locks_give_one_clear_error(reader, text: str, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UserError) as info:
        reader(text)
    assert message in info.value.message


def test_formats_are_recognised_by_name_and_by_content(tmp_path: Path) -> None:
    (tmp_path / "uv.lock").write_text(UV_LOCK)
    (tmp_path / "pylock.dev.toml").write_text(PYLOCK)
    (tmp_path / "frozen.txt").write_text(FREEZE)
    (tmp_path / "other.txt").write_text("numpy==1.26.4\n")
    (tmp_path / "locked-copy").write_text(UV_LOCK)
    assert read_pins(tmp_path).kind == "uv.lock"  # a folder: its uv.lock
    assert read_pins(tmp_path / "pylock.dev.toml").kind == "pylock.toml"
    assert read_pins(tmp_path / "frozen.txt").kind == "requirements"
    assert read_pins(tmp_path / "locked-copy").kind == "uv.lock"
    assert sniff(PYLOCK, source="-").kind == "pylock.toml"


def test_unreadable_targets(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="does not exist"):
        read_pins(tmp_path / "nope.lock")
    with pytest.raises(UserError, match="has no uv.lock or pylock.toml"):
        read_pins(tmp_path)
    (tmp_path / "binary").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(UserError, match="cannot read"):
        read_pins(tmp_path / "binary")


# A plain `name==version` line is read without packaging's requirement parser (its import costs
# more than the rest of a check): what comes out must be what that parser gives.
_NAMES = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9._-]{0,6}[A-Za-z0-9])?", fullmatch=True)
_VERSIONS = st.one_of(
    st.from_regex(r"[0-9][A-Za-z0-9.!+_-]{0,9}", fullmatch=True),
    st.sampled_from(["1.0", "2.5.1+cpu", "1!2.0", "1.0.post1", "1.0-1", "0.19.1rc1", "01.0", "1.0.dev2", "1_0"]),
)


@settings(max_examples=400, deadline=None)
@given(name=_NAMES, version=_VERSIONS, before=st.sampled_from(["", " "]), after=st.sampled_from(["", "  "]))
def test_a_plain_pin_reads_as_packaging_reads_it(name: str, version: str, before: str, after: str) -> None:
    text = f"{name}{before}=={after}{version}"
    try:
        requirement: Requirement | None = Requirement(text)
    except InvalidRequirement:
        requirement = None
    try:
        lines = parse_requirements(text).lines
    except UserError:
        lines = None
    if requirement is None:
        assert lines is None  # refused as packaging refuses it
        return
    (spec,) = requirement.specifier
    try:
        expected = Version(spec.version)
    except InvalidVersion:
        assert lines is None  # `==` a version that is none: refused, as before
        return
    assert lines is not None
    (line,) = lines
    assert (line.name, line.kind, line.version, line.marker) == (
        canonicalize_name(requirement.name),
        "pin",
        expected,
        None,
    )
    assert line.text == str(requirement) and str(line.requirement) == str(requirement)


@given(st.text(alphabet="AaBb-_.09", min_size=1, max_size=12))
def test_names_are_compared_as_packaging_compares_them(name: str) -> None:
    assert canonical_name(name) == canonicalize_name(name)
