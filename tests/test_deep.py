"""The deep check reads an installed environment's sources (never imports them) and reports every
import of a name the installed provider does not have; what it cannot decide it never reports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from expect import json_data
from fakeindex import FakeDist, FakeIndex

from hfscaffold.adapters.site import read_site
from hfscaffold.adapters.uv import find_uv
from hfscaffold.api import read_module
from hfscaffold.deep import find_gaps


def facts(source: str, module: str = "pkg", *, package: bool = True, own: frozenset[str] = frozenset({"pkg"})):  # type: ignore[no-untyped-def]
    return read_module(source, module=module, is_package=package, own=own)


def test_a_module_defines_what_its_statements_bind() -> None:
    found = facts(
        "import os\nimport a.b as c\nfrom x import y, z as w\nX = 1\nP, Q = 1, 2\nV: int = 1\n"
        "def f(): pass\nclass K: pass\ntry:\n    from s import fast\nexcept ImportError:\n    fast = None\n"
        "if True:\n    G = 1\n__all__ = ['exported']\n"
    )
    assert {"os", "c", "y", "w", "X", "P", "Q", "V", "f", "K", "fast", "G", "exported"} <= found.names
    assert not found.open


@pytest.mark.parametrize(
    ("source", "is_open", "served"),
    [
        ("def __getattr__(name):\n    raise AttributeError(name)\n", True, set()),
        ("from other import *\n", True, set()),  # another distribution's names are not read
        (  # huggingface_hub's lazy attach: the table lists every name it serves
            (
                "_SUBMOD_ATTRS = {'file_download': ['hf_hub_download', 'cached_download']}\n"
                "__getattr__, __dir__, __all__ = attach(__name__, submod_attrs=_SUBMOD_ATTRS)\n"
            ),
            False,
            {"hf_hub_download", "cached_download", "file_download"},
        ),
        (  # transformers 4.x: a literal table extended in place, then a module swapped in
            (
                "import sys\n_import_structure = {'models.bert': ['BertModel']}\n"
                "_import_structure['trainer'] = ['Trainer']\n_import_structure['models.bert'].extend(['BertConfig'])\n"
                "sys.modules[__name__] = _LazyModule(__name__, globals()['__file__'], _import_structure)\n"
            ),
            False,
            {"BertModel", "Trainer", "BertConfig", "bert"},
        ),
        (  # a table extended with names computed at run time: open
            (
                "import sys\n_import_structure = {'a': ['A']}\n_import_structure['a'].extend(names())\n"
                "sys.modules[__name__] = _LazyModule(__name__, __file__, _import_structure)\n"
            ),
            True,
            {"A"},
        ),
    ],
)
def test_lazy_modules_are_open_unless_they_serve_a_literal_table(source: str, is_open: bool, served: set[str]) -> None:
    found = facts(source)
    assert found.open is is_open and served <= found.names


def test_each_import_knows_when_it_runs_and_whether_it_may_fail() -> None:
    found = facts(
        "from hub import a\n"
        "import hub.sub\n"
        "def f():\n    from hub import b\n"
        "try:\n    from hub import c\nexcept ImportError:\n    from hub import d\n"
        "if flag:\n    from hub import e\n"
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from hub import typing_only\n"
        "from . import local\nfrom .inner import thing\nimport pkg.other\n",
        own=frozenset({"pkg"}),
    )
    needs = {(n.name or n.module, n.when, n.guarded) for n in found.needs if n.module.startswith("hub")}
    assert needs == {
        ("a", "import", False),
        ("hub.sub", "import", False),
        ("b", "call", False),
        ("c", "import", True),
        ("d", "import", True),  # the fallback of a failed import
        ("e", "import", True),
    }
    assert {"pkg", "pkg.local", "pkg.inner", "pkg.inner.thing", "pkg.other"} <= set(found.own_imports)


def test_source_that_does_not_parse_is_open_and_needs_nothing() -> None:
    found = facts("def broken(:\n")
    assert found.open and found.needs == ()


def write_site(site: Path, name: str, version: str, files: dict[str, str], requires: tuple[str, ...] = ()) -> None:
    """An installed distribution as pip leaves it: its files and a dist-info with RECORD."""
    info = site / f"{name}-{version}.dist-info"
    info.mkdir(parents=True)
    declared = "".join(f"Requires-Dist: {r}\n" for r in requires)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n{declared}")
    for path, text in files.items():
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_text(text)
    (info / "RECORD").write_text("".join(f"{path},,\n" for path in files) + f"{info.name}/RECORD,,\n")


PROVIDER_1 = {
    "prov/__init__.py": "from .api import old_api, new_api\n",
    "prov/api.py": "def old_api(): pass\ndef new_api(): pass\n",
}
PROVIDER_2 = {"prov/__init__.py": "from .api import new_api\n", "prov/api.py": "def new_api(): pass\n"}
CONSUMERS = {
    "eager": {
        "eager/__init__.py": "from .core import run\n",
        "eager/core.py": "from prov import old_api\ndef run(): pass\n",
    },
    "later": {"later/__init__.py": "", "later/tools.py": "from prov.api import old_api\n"},
    "lazy": {"lazy/__init__.py": "def go():\n    from prov import old_api\n"},
    "careful": {"careful/__init__.py": "try:\n    from prov import old_api\nexcept ImportError:\n    old_api = None\n"},
    "opener": {"opener/__init__.py": "from lazyprov import anything\n"},
    "needy": {"needy/__init__.py": "import undeclared_thing\n"},
}


def site_with(tmp_path: Path, provider: dict[str, str], version: str) -> Path:
    site = tmp_path / "site"
    write_site(site, "prov", version, provider)
    write_site(site, "lazyprov", "1.0", {"lazyprov/__init__.py": "def __getattr__(name):\n    return name\n"})
    for name, files in CONSUMERS.items():
        write_site(site, name, "1.0", files, ("prov>=1", "lazyprov"))
    return site


def test_a_name_the_provider_dropped_is_found_where_it_is_imported(tmp_path: Path) -> None:
    gaps = find_gaps(read_site([site_with(tmp_path, PROVIDER_2, "2.0")], cache=False))
    found = {(g.consumer.name, g.severity, g.at, g.where) for g in gaps}
    assert found == {
        ("eager", "error", "import eager", "eager/core.py:1"),
        ("needy", "error", "import needy", "needy/__init__.py:1"),
        ("later", "warning", "import later.tools", "later/tools.py:1"),
        ("lazy", "warning", "call time", "lazy/__init__.py:2"),
    }
    (eager,) = [g for g in gaps if g.consumer.name == "eager"]
    assert (
        eager.text()
        == "eager 1.0: eager/core.py:1 imports old_api from prov; prov 2.0 does not define it (at import eager)"
    )
    assert eager.as_json()["provider_version"] == "2.0"


def test_reading_on_every_core_finds_what_reading_here_finds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import hfscaffold.adapters.site as site_adapter

    site = site_with(tmp_path, PROVIDER_2, "2.0")
    monkeypatch.setattr(site_adapter, "_POOL_FROM", 1000)
    here = [g.text() for g in find_gaps(read_site([site], cache=False))]
    monkeypatch.setattr(site_adapter, "_POOL_FROM", 1)
    monkeypatch.setattr(site_adapter.os, "cpu_count", lambda: 2)
    assert [g.text() for g in find_gaps(read_site([site], cache=False))] == here and here


def test_a_consistent_environment_has_no_gaps(tmp_path: Path) -> None:
    gaps = find_gaps(read_site([site_with(tmp_path, PROVIDER_1, "1.0")], cache=False))
    assert [(g.consumer.name, g.reason) for g in gaps] == [
        ("needy", "no installed distribution provides undeclared_thing")
    ]


def test_facts_are_cached_per_distribution_until_a_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hfscaffold.adapters.site as site_adapter

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(site_adapter, "_POOL_FROM", 1000)  # read here, where the reads are counted
    site = site_with(tmp_path, PROVIDER_2, "2.0")
    reads: list[str] = []
    real = site_adapter.read_module
    monkeypatch.setattr(site_adapter, "read_module", lambda *a, **k: reads.append(k["module"]) or real(*a, **k))
    first = find_gaps(read_site([site]))
    assert "eager.core" in reads
    reads.clear()
    assert [g.where for g in find_gaps(read_site([site]))] == [g.where for g in first] and reads == []
    (site / "eager" / "core.py").write_text("def run(): pass\n\n")  # patched in place, RECORD unchanged
    again = find_gaps(read_site([site]))
    assert "eager.core" in reads and "eager/core.py:1" not in [g.where for g in again]


@pytest.mark.usefixtures("offline_uv")
def test_check_deep_reads_a_real_environment(tmp_path: Path, fake_index: FakeIndex, run_cli) -> None:
    fake_index.add(
        [
            FakeDist("provlib", "1.0", module_source="def old_api(): pass\n"),
            FakeDist("provlib", "2.0", module_source="def new_api(): pass\n"),
            FakeDist("conslib", "1.0", ("provlib",), module_source="from provlib import old_api\n"),
        ]
    )
    venv = tmp_path / "venv"
    uv = find_uv()
    subprocess.run([uv, "venv", "-q", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([uv, "pip", "install", "-q", "-p", str(python), "conslib==1.0", "provlib==2.0"], check=True)
    result = run_cli("check", "--python", str(python), "--deep")
    assert result.exit_code == 1, result.stdout + result.stderr
    assert (
        "error: deep: conslib 1.0: conslib/__init__.py:2 imports old_api from provlib; provlib 2.0 does not define it"
        in result.stdout
    )
    subprocess.run([uv, "pip", "install", "-q", "-p", str(python), "provlib==1.0"], check=True)
    result = run_cli("check", "--python", str(python), "--deep", "--format", "json")
    assert result.exit_code == 0 and '"deep": []' in result.stdout


def test_deep_needs_an_environment(tmp_path: Path, run_cli) -> None:
    (tmp_path / "r.txt").write_text("six==1.16.0\n")
    result = run_cli("check", str(tmp_path / "r.txt"), "--deep")
    assert result.exit_code == 2 and "--deep reads an installed environment" in result.stderr


def test_facts_and_needs_are_frozen() -> None:
    import dataclasses

    found = facts("from hub import a\n")
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.open = True  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.needs[0].guarded = True  # type: ignore[misc]


@pytest.mark.parametrize(
    ("source", "is_open", "served"),
    [
        (
            "def __getattr__(n): pass\n_import_structure = {'a': ['A']}\n_import_structure['a'].append('B')\n",
            False,
            {"A", "B"},
        ),
        (
            "def __getattr__(n): pass\n_import_structure = {'a': []}\n_import_structure['a'].extend(('C', 'D'))\n",
            False,
            {"C", "D"},
        ),
        ("def __getattr__(n): pass\nother = []\nother.extend(['X'])\n", True, set()),  # not a lazy table
        ("def __getattr__(n): pass\n_import_structure = build()\n", True, set()),
        ("def __getattr__(n): pass\n_import_structure = {'a': names_of('a')}\n", True, {"a"}),
        ("def __getattr__(n): pass\n_import_structure = {'a': ['A', other]}\n", True, {"A"}),
        ("__all__ = computed()\nX = 1\n", False, {"X"}),
    ],
)
def test_what_a_lazy_table_serves(source: str, is_open: bool, served: set[str]) -> None:
    found = facts(source)
    assert found.open is is_open and served <= found.names


def test_relative_imports_resolve_against_the_module_or_package() -> None:
    in_module = facts(
        "from . import x\nfrom .. import y\nfrom ... import too_far\n", module="pkg.sub.mod", package=False
    )
    assert {"pkg.sub", "pkg.sub.x", "pkg", "pkg.y"} <= set(in_module.own_imports)
    assert not any("too_far" in name for name in in_module.own_imports)
    in_package = facts("from . import x\nfrom .. import y\n", module="pkg.sub", package=True)
    assert {"pkg.sub.x", "pkg.y"} <= set(in_package.own_imports)


def test_only_unguarded_module_level_imports_of_its_own_modules_run_at_import() -> None:
    found = facts(
        "from . import eager\n"
        "def f():\n    from . import later\n"
        "try:\n    from . import optional\nexcept ImportError:\n    pass\n"
        "import pkg.direct\n"
        "def g():\n    import pkg.hidden\n"
        "try:\n    import pkg.maybe\nexcept ImportError:\n    pass\n"
    )
    own = set(found.own_imports)
    assert {"pkg.eager", "pkg.direct"} <= own
    assert not own & {"pkg.later", "pkg.optional", "pkg.hidden", "pkg.maybe"}


@pytest.mark.parametrize(
    ("handler", "guarded"),
    [
        ("except:", True),
        ("except (ValueError, ImportError):", True),
        ("except errors.ModuleNotFoundError:", True),
        ("except Exception:", True),
        ("except OSError:", False),
    ],
)
def test_which_handlers_guard_an_import(handler: str, guarded: bool) -> None:
    found = facts(f"try:\n    from hub import a\n{handler}\n    pass\n")
    assert [n.guarded for n in found.needs] == [guarded]


def provider_site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    write_site(
        site,
        "prov",
        "2.0",
        {
            "prov/__init__.py": "from . import sub\nX = 1\n",
            "prov/sub.py": "def y(): pass\n",
            "prov/lazy/__init__.py": "def __getattr__(name):\n    return name\n",
            "prov/stubbed.pyi": "def typed(): ...\n",
            "prov/_fast.cpython-311-x86_64-linux-gnu.so": "",
        },
    )
    return site


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("from prov import X\n", None),
        ("from prov import sub\n", None),  # a submodule, imported by name
        ("from prov.sub import y\n", None),
        ("import prov.sub\n", None),
        ("from prov.sub import z\n", "prov 2.0 does not define it"),
        ("from prov.gone import z\n", "prov 2.0 has no module prov.gone"),
        ("import prov.gone\n", "prov 2.0 has no module prov.gone"),
        ("from prov.lazy import anything\n", None),  # open: unknown, never missing
        ("import prov.lazy.deeper\n", None),  # served by an open parent
        ("from prov.stubbed import whatever\n", None),  # a stub without source: unknown
        ("from prov._fast import anything\n", None),  # compiled: unknown
        ("import prov._fast.inner\n", None),
        ("from prov import sub as s, X as x\n", None),
        ("import json\nimport _private\n", None),  # the standard library and private modules
        ("from app import own\n", None),  # its own package
        ("import notinstalled\n", "no installed distribution provides notinstalled"),
    ],
)
def test_what_a_provider_lacks_and_what_stays_unknown(tmp_path: Path, source: str, reason: str | None) -> None:
    site = provider_site(tmp_path)
    write_site(site, "app", "1.0", {"app/__init__.py": source, "app/own.py": ""}, ("prov",))
    gaps = [g for g in find_gaps(read_site([site], cache=False)) if g.consumer.name == "app"]
    assert [g.reason for g in gaps] == ([reason] if reason else [])
    if reason:
        assert gaps[0].severity == "error" and gaps[0].at == "import app"


def test_a_package_nothing_provides_is_no_finding_when_imported_on_use(tmp_path: Path) -> None:
    site = provider_site(tmp_path)
    write_site(
        site,
        "app",
        "1.0",
        {
            "app/__init__.py": "",
            "app/extra.py": "import notinstalled\n",
            "app/late.py": "def f():\n    import notinstalled\n",
        },
    )
    assert [g for g in find_gaps(read_site([site], cache=False)) if g.consumer.name == "app"] == []


def test_errors_come_first_then_by_consumer_and_place(tmp_path: Path) -> None:
    site = provider_site(tmp_path)
    write_site(site, "zapp", "1.0", {"zapp/__init__.py": "from prov import gone_a\n"})
    write_site(
        site,
        "app",
        "1.0",
        {"app/__init__.py": "def f():\n    from prov import gone_b\n", "app/x.py": "from prov import gone_c\n"},
    )
    gaps = find_gaps(read_site([site], cache=False))
    assert [(g.consumer.name, g.severity, g.need.name) for g in gaps] == [
        ("zapp", "error", "gone_a"),
        ("app", "warning", "gone_b"),
        ("app", "warning", "gone_c"),
    ]
    assert find_gaps(read_site([site], cache=False), consumers=[]) == []


def resolved_site(files: dict[str, str]) -> dict[str, object]:
    """The resolved facts of one distribution made of ``files`` (path -> source)."""
    from hfscaffold.adapters.site import resolved
    from hfscaffold.deep import Module

    modules, read = {}, {}
    for path, source in files.items():
        parts = path.removesuffix(".py").split("/")
        package = parts[-1] == "__init__"
        name = ".".join(parts[:-1] if package else parts)
        modules[name] = Module(name=name, path=path, kind="source")
        read[name] = read_module(source, module=name, is_package=package, own=frozenset({parts[0]}))
    return resolved(modules, read)  # type: ignore[return-value]


def test_star_imports_of_its_own_modules_serve_their_names() -> None:
    found = resolved_site(
        {
            "pkg/__init__.py": "from .core import *\nfrom .gone import *\n",
            "pkg/core.py": "__all__ = ['public']\ndef public(): pass\ndef _private(): pass\n",
            "pkg/other.py": "from .core import *\n",
            "pkg/loop_a.py": "from .loop_b import *\n",
            "pkg/loop_b.py": "from .loop_a import *\nB = 1\n",
        }
    )
    other, package, loop = found["pkg.other"], found["pkg"], found["pkg.loop_a"]
    assert "public" in other.names and "_private" not in other.names and not other.open  # type: ignore[attr-defined]
    assert package.open  # type: ignore[attr-defined]  # pkg.gone is no module: unknown
    assert loop.open  # type: ignore[attr-defined]  # a cycle is not followed


TRANSFORMERS_LIKE = {
    # transformers 4.57 and 5.x: a literal table, dummy objects listed by dir(), and every __all__
    # under models/ served through define_import_structure, with the module swapped for a lazy one.
    "tf/__init__.py": (
        "import sys\nfrom pathlib import Path\nfrom .utils.import_utils import define_import_structure\n"
        "_import_structure = {'cache_utils': ['Cache']}\n"
        "try:\n    if not available():\n        raise Missing()\nexcept Missing:\n"
        "    from .utils import dummy_pt_objects\n"
        "    _import_structure['utils.dummy_pt_objects'] = [n for n in dir(dummy_pt_objects) if not n.startswith('_')]\n"
        "else:\n    _import_structure['cache_utils'].append('StaticCache')\n"
        "_import_structure = {k: set(v) for k, v in _import_structure.items()}\n"
        "import_structure = define_import_structure(Path(__file__).parent / 'models', prefix='models')\n"
        "sys.modules[__name__] = _LazyModule(__name__, globals()['__file__'], import_structure)\n"
    ),
    "tf/utils/__init__.py": "",
    "tf/utils/import_utils.py": "def define_import_structure(path, prefix=None): pass\n",
    "tf/utils/dummy_pt_objects.py": "class DummyOnly: pass\n",
    "tf/cache_utils.py": "class Cache: pass\nclass StaticCache: pass\n",
    "tf/models/__init__.py": (
        "import sys\n_file = globals()['__file__']\n"
        "sys.modules[__name__] = _LazyModule(__name__, _file, define_import_structure(_file))\n"
    ),
    "tf/models/bert/__init__.py": (
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .modeling_bert import *\nelse:\n"
        "    import sys\n    _file = globals()['__file__']\n"
        "    sys.modules[__name__] = _LazyModule(__name__, _file, define_import_structure(_file))\n"
    ),
    "tf/models/bert/modeling_bert.py": "class BertModel: pass\nclass Helper: pass\n__all__ = ['BertModel']\n",
}


def test_transformers_lazy_tables_are_read_in_full() -> None:
    found = resolved_site(TRANSFORMERS_LIKE)
    top, models, bert = found["tf"], found["tf.models"], found["tf.models.bert"]
    assert not top.open and {"Cache", "StaticCache", "DummyOnly", "BertModel"} <= top.names  # type: ignore[attr-defined]
    assert "Helper" not in top.names  # type: ignore[attr-defined]  # not in its module's __all__
    assert not models.open and "BertModel" in models.names  # type: ignore[attr-defined]
    assert not bert.open and "BertModel" in bert.names  # type: ignore[attr-defined]


def test_a_name_dropped_from_a_transformers_like_table_is_missing(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write_site(site, "tf", "5.0", TRANSFORMERS_LIKE)
    write_site(
        site, "peftish", "1.0", {"peftish/__init__.py": "from tf import HybridCache, BertModel, Cache\n"}, ("tf",)
    )
    gaps = find_gaps(read_site([site], cache=False))
    assert [(g.consumer.name, g.need.name, g.severity) for g in gaps] == [("peftish", "HybridCache", "error")]


@pytest.mark.parametrize(
    ("folder", "expected"),
    [
        ("Path(__file__).parent / 'models'", "tf.models"),
        ("_file", "tf"),
        ("os.path.dirname(__file__)", "tf"),
        ("Path(__file__).parent.parent / 'x'", None),  # above the distribution's top: not followed
        ("somewhere()", None),
        ("Path(__file__).parent / name", None),
    ],
)
def test_which_folders_define_import_structure_reads(folder: str, expected: str | None) -> None:
    found = facts(
        f"sys.modules[__name__] = _LazyModule(__name__, f, define_import_structure({folder}))\n",
        "tf",
        own=frozenset({"tf"}),
    )
    assert found.refers == ((f"tree:{expected}",) if expected else ())
    assert found.open is (expected is None)


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("import prov\nprov.X\n", None),
        ("import prov\nprov.sub.y()\n", None),
        ("import prov\nprov.gone\n", ("error", "prov 2.0 has no gone in prov")),
        ("import prov\nprov.sub.gone()\n", ("error", "prov 2.0 has no gone in prov.sub")),
        ("import prov as p\nclass K(p.gone): pass\n", ("error", "prov 2.0 has no gone in prov")),
        ("import prov.sub as s\ns.gone\n", ("error", "prov 2.0 has no gone in prov.sub")),
        ("import prov\ndef f():\n    return prov.gone\n", ("warning", "prov 2.0 has no gone in prov")),
        ("import prov\nif hasattr(prov, 'gone'):\n    prov.gone\n", None),
        ("import prov\ntry:\n    prov.gone\nexcept AttributeError:\n    pass\n", None),
        ("import prov\ndef f(prov):\n    return prov.gone\n", None),  # a parameter of the same name
        ("import prov\nfor prov in []:\n    prov.gone\n", None),
        ("import prov\ndef f(x: prov.gone) -> prov.gone:\n    pass\n", None),  # annotations
        ("import prov\nprov.lazy.anything\n", None),  # open
        ("import prov\nprov.X.whatever.deeper\n", None),  # beyond the first name: unknown
        ("import importlib\nimportlib.import_module('prov.gone')\n", ("error", "prov 2.0 has no module prov.gone")),
        ("import importlib\nimportlib.import_module('prov.sub')\n", None),
        (
            "from importlib import import_module\ndef f():\n    import_module('prov.gone')\n",
            ("warning", "prov 2.0 has no module prov.gone"),
        ),
        ("import importlib\nimportlib.import_module(name)\n", None),
    ],
)
def test_attribute_chains_and_dynamic_imports(tmp_path: Path, source: str, found: tuple[str, str] | None) -> None:
    site = provider_site(tmp_path)
    write_site(site, "app", "1.0", {"app/__init__.py": source}, ("prov",))
    gaps = [g for g in find_gaps(read_site([site], cache=False)) if g.consumer.name == "app"]
    assert [(g.severity, g.reason) for g in gaps] == ([found] if found else [])


def test_an_attribute_chain_is_recorded_once_and_says_it_is_used() -> None:
    found = facts("import hub\nhub.HfFolder\nhub.HfFolder.get_token()\nx = hub.HfFolder\n", own=frozenset({"pkg"}))
    assert [(n.line, n.module, n.name, n.attribute) for n in found.needs if n.attribute] == [
        (2, "hub", "HfFolder", True),
        (3, "hub.HfFolder", "get_token", True),
    ]


def test_an_import_of_a_distribution_it_does_not_require_is_a_warning(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write_site(site, "reqs", "2.0", {"reqs/__init__.py": "def get(): pass\n"})
    write_site(site, "hub", "0.9", {"hub/__init__.py": "import reqs\n"}, ("reqs>=2",))
    write_site(site, "extra", "1.0", {"extra/__init__.py": "import reqs\n"}, ("reqs; extra == 'web'",))
    write_site(
        site,
        "app",
        "1.0",
        {
            "app/__init__.py": "import reqs\nfrom reqs import get\nfrom . import later\n",
            "app/later.py": "import reqs\n",
            "app/optional.py": "import reqs\n",
            "app/tool.py": "def f():\n    import reqs\n",
        },
        ("hub",),
    )
    gaps = find_gaps(read_site([site], cache=False))
    assert [(g.consumer.name, g.where, g.severity, g.reason) for g in gaps] == [
        ("app", "app/__init__.py:1", "warning", "app does not require reqs (installed here for extra, hub)")
    ]
    assert gaps[0].at == "import app"
    assert find_gaps(read_site([site], cache=False), undeclared=False) == []


@pytest.mark.parametrize(
    ("source", "keywords"),
    [
        ("def f(a, b=1, *args, c, d=2): pass\n", {"a", "b", "c", "d"}),
        ("def f(a, /, b): pass\n", {"b"}),  # positional-only: never a keyword
        ("def f(a, **kwargs): pass\n", None),  # takes any keyword
        ("@deprecate_kwarg('old', new_name='new')\ndef f(new): pass\n", None),  # a decorator may accept more
        ("class f:\n    def __init__(self, x, *, y=1): pass\n", {"x", "y"}),
        ("class f(Base):\n    def __init__(self, x): pass\n", {"x"}),  # its own __init__ decides
        ("class f(Base):\n    pass\n", None),  # the base's __init__: not read here
        ("class f:\n    def __new__(cls, *a): pass\n    def __init__(self, x): pass\n", None),
        ("class f(metaclass=Meta):\n    def __init__(self, x): pass\n", None),
        ("@dataclass\nclass f:\n    x: int\n    y: str = ''\n    z: ClassVar[int] = 0\n", {"x", "y"}),
        ("@dataclass(frozen=True)\nclass f:\n    x: int\n", {"x"}),
        ("@dataclass(init=False)\nclass f:\n    x: int\n", None),
        ("@dataclass\nclass f(Base):\n    x: int\n", None),  # the base's fields too
        ("def f(a): pass\nif flag:\n    def f(a, b): pass\n", None),  # defined twice
        ("def f(a): pass\nf = wrap(f)\n", None),
        ("def _f(a): pass\n", None),  # private: not recorded
    ],
)
def test_which_signatures_are_known_for_certain(source: str, keywords: set[str] | None) -> None:
    found = facts(source).signatures.get("_f" if "_f" in source else "f")
    assert (found.keywords if found else None) == (frozenset(keywords) if keywords is not None else None)


def test_re_exported_names_know_the_module_that_defines_them() -> None:
    found = facts(
        "from .training_args import TrainingArguments\nfrom .x import y as renamed\n"
        "_import_structure = {'trainer': ['Trainer']}\n_import_structure['models.bert'] = ['BertModel']\n",
        "tf",
        own=frozenset({"tf"}),
    )
    assert dict(found.origins) == {
        "TrainingArguments": "tf.training_args",
        "Trainer": "tf.trainer",
        "BertModel": "tf.models.bert",
    }


KEYWORD_PROVIDER = {
    "kprov/__init__.py": "_import_structure = {'args': ['Args']}\nfrom .api import login\n",
    "kprov/api.py": "def login(token=None): pass\ndef open_call(**kwargs): pass\n",
    "kprov/args.py": "@dataclass\nclass Args:\n    eval_strategy: str = 'no'\n",
}


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("from kprov import login\nlogin(token='t')\n", None),
        (
            "from kprov import login\nlogin(use_auth_token='t')\n",
            ("error", "kprov 2.0: login() takes no keyword use_auth_token"),
        ),
        (
            "from kprov import login\ndef f():\n    login(use_auth_token='t')\n",
            ("warning", "kprov 2.0: login() takes no keyword use_auth_token"),
        ),
        (
            "import kprov\nkprov.Args(evaluation_strategy='epoch')\n",
            ("error", "kprov 2.0: Args() takes no keyword evaluation_strategy"),
        ),
        ("from kprov import Args\nArgs(eval_strategy='epoch')\n", None),
        ("from kprov.api import open_call\nopen_call(anything=1)\n", None),  # **kwargs
        ("from kprov import login\nlogin = other\nlogin(use_auth_token='t')\n", None),  # rebound
        (
            "from kprov import login\ntry:\n    login(use_auth_token='t')\nexcept TypeError:\n    pass\n",
            None,  # guarded
        ),
    ],
)
def test_keyword_arguments_a_known_signature_does_not_take(
    tmp_path: Path, source: str, found: tuple[str, str] | None
) -> None:
    site = tmp_path / "site"
    write_site(site, "kprov", "2.0", KEYWORD_PROVIDER)
    write_site(site, "app", "1.0", {"app/__init__.py": source}, ("kprov",))
    gaps = [g for g in find_gaps(read_site([site], cache=False)) if g.consumer.name == "app"]
    assert [(g.severity, g.reason) for g in gaps] == ([found] if found else [])
    if found:
        assert gaps[0].text().startswith("app 1.0: app/__init__.py:")
        assert " passes " in gaps[0].text()


@pytest.mark.network
def test_a_real_torch_free_environment_with_a_known_drift(
    tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in ("UV_DEFAULT_INDEX", "UV_INDEX_URL"):
        monkeypatch.delenv(key, raising=False)
    uv = find_uv()
    venv = tmp_path / "venv"
    subprocess.run([uv, "venv", "-q", "-p", sys.executable, str(venv)], check=True)
    python = venv / "bin" / "python"
    install = [uv, "pip", "install", "-q", "-p", str(python)]
    subprocess.run([*install, "diffusers==0.27.2", "huggingface-hub==0.26.0"], check=True)
    result = run_cli("check", "--python", str(python), "--deep", "--format", "json")
    assert result.exit_code == 1, result.stdout + result.stderr
    errors = [g for g in json_data(result.stdout)["deep"] if g["severity"] == "error"]
    assert [(g["consumer"], g["file"], g["name"], g["provider_version"]) for g in errors] == [
        ("diffusers", "diffusers/utils/dynamic_modules_utils.py", "cached_download", "0.26.0")
    ]
    subprocess.run([*install, "huggingface-hub==0.25.2"], check=True)
    result = run_cli("check", "--python", str(python), "--deep", "--format", "json")
    assert result.exit_code == 0, result.stdout
    assert [g for g in json_data(result.stdout)["deep"] if g["severity"] == "error"] == []


@pytest.mark.parametrize(
    "source",
    [
        "module = sys.modules[__name__]\nfor item in Enum:\n    setattr(module, item.name, item.value)\n",  # Pillow
        "def _make():\n    g = globals()\n    for name in names:\n        g[name] = make(name)\n_make()\n",  # pyarrow
        "globals().update(table)\n",
        "globals()[name] = 1\n",
        "__all__ = []\ndef _add(t):\n    __all__.append(t.__name__)\n",  # numpy.dtypes
        "def f():\n    setattr(sys.modules[__name__], name, value)\n",
    ],
)
def test_names_defined_at_run_time_leave_the_module_open(source: str) -> None:
    assert facts(source).open


def test_names_set_by_literal_leave_it_closed() -> None:
    found = facts(
        "setattr(sys.modules[__name__], 'EXTRA', 1)\nglobals()['OTHER'] = 2\n__all__ = ['a']\n__all__.append('b')\n"
        "__all__.extend(['c'])\n"
    )
    assert not found.open and {"EXTRA", "OTHER", "b", "c"} <= found.names and found.exports == {"a", "b", "c"}


def test_a_star_import_of_a_computed_all_takes_the_names_it_can_see() -> None:
    found = resolved_site(
        {
            "pkg/__init__.py": "from .dists import *\n",
            "pkg/dists.py": "beta = make('beta')\nchi2 = make('chi2')\n__all__ = _names + ['histogram']\n",
        }
    )
    assert {"beta", "chi2"} <= found["pkg"].names and not found["pkg"].open  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("source", "guarded"),
    [
        ("try:\n    set\nexcept NameError:\n    from hub import Set\n", True),  # a handler runs only on failure
        ("try:\n    import hub\nexcept ImportError:\n    ok = False\nelse:\n    from hub import extra\n", True),
        ("try:\n    import hub\nexcept ImportError:\n    ok = False\nelse:\n    hub.packb\n", True),
        ("try:\n    import hub\nexcept ImportError:\n    ok = False\ndef f():\n    return hub.packb\n", True),
        ("try:\n    from hub import call\nexcept ImportError:\n    pass\ndef f():\n    call(k=1)\n", True),
        ("try:\n    x = 1\nfinally:\n    from hub import always\n", False),
    ],
)
def test_what_runs_only_when_an_import_failed_or_worked_is_guarded(source: str, guarded: bool) -> None:
    found = [n for n in facts(source).needs if n.module == "hub"]
    assert found and all(n.guarded is guarded for n in found)


def test_private_and_dunder_attributes_are_not_read() -> None:
    found = facts("import hub\nhub.__path__\nhub._patched\nhub.public\n")
    assert [(n.module, n.name) for n in found.needs if n.attribute] == [("hub", "public")]


def test_a_namespace_package_is_shared_by_its_distributions(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write_site(site, "otel-api", "1.0", {"otel/context/__init__.py": "X = 1\n", "otel/trace/__init__.py": ""})
    write_site(
        site,
        "app",
        "1.0",
        {"app/__init__.py": "from otel import context, trace\nfrom otel.context import X\nimport otel.sdk\n"},
        ("otel-api",),
    )
    gaps = [g for g in find_gaps(read_site([site], cache=False)) if g.consumer.name == "app"]
    assert [(g.need.module, g.reason) for g in gaps] == [("otel.sdk", "no installed distribution provides otel")]


def test_a_decorated_export_counts_only_beside_an_all() -> None:
    assert facts("@requires(backends=('torch',))\nclass A: pass\nclass B: pass\n").exports is None
    found = facts("__all__ = ['B']\n@requires(backends=('torch',))\nclass A: pass\nclass B: pass\n")
    assert found.exports == {"A", "B"}


def test_a_table_that_lists_a_name_twice_is_still_literal() -> None:
    found = facts(
        "import sys\n_import_structure = {'cache': ['Cache', 'Cache', 'Hybrid']}\nsys.modules[__name__] = Lazy()\n"
    )
    assert not found.open and {"Cache", "Hybrid"} <= found.names
