"""Mining the wheels: a consumer version that imports a name some allowed provider version lacks,
while another allowed version has it, becomes a rule with its evidence."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from expect import json_data
from fakeindex import FakeDist, FakeIndex
from packaging.version import Version
from test_deep import write_site

from hfscaffold.adapters.site import read_site
from hfscaffold.deep import Installed
from hfscaffold.matrix import parse_rules
from hfscaffold.mining import allowed_range, mine_pair, mine_undeclared, pick_versions


def test_the_first_and_last_release_of_each_minor_since_a_date() -> None:
    old, new = datetime(2022, 6, 1, tzinfo=timezone.utc), datetime(2024, 6, 1, tzinfo=timezone.utc)
    released = [
        (Version(v), old if v.startswith("0.9") else new)
        for v in ("0.9.0", "0.9.1", "1.0.0", "1.0.1", "1.0.2", "1.1.0")
    ]
    since = datetime(2023, 1, 1, tzinfo=timezone.utc)
    assert pick_versions(released, since=since) == [Version("1.0.0"), Version("1.0.2"), Version("1.1.0")]
    assert Version("0.9.0") in pick_versions(released, since=None)


def test_the_allowed_range_is_the_unconditional_requirement() -> None:
    assert str(allowed_range(["prov>=1.0,<3", "other"], "prov")) == "<3,>=1.0"
    assert allowed_range(["prov>=1.0; extra == 'x'"], "prov") is None
    assert allowed_range(["other"], "prov") is None


def installed(tmp_path: Path, name: str, version: str, files: dict[str, str], requires: str = "") -> Installed:
    site = tmp_path / f"{name}-{version}"
    write_site(site, name, version, files)
    if requires:
        metadata = next(site.glob("*.dist-info")) / "METADATA"
        metadata.write_text(metadata.read_text() + "".join(f"Requires-Dist: {r}\n" for r in requires.split(";")))
    (dist,) = read_site([site], cache=False)
    return dist


def providers(tmp_path: Path) -> dict[Version, Installed]:
    return {
        Version("1.0"): installed(
            tmp_path, "prov", "1.0", {"prov/__init__.py": "def old_api(): pass\ndef new_api(): pass\n"}
        ),
        Version("1.5"): installed(
            tmp_path, "prov", "1.5", {"prov/__init__.py": "def old_api(): pass\ndef new_api(): pass\n"}
        ),
        Version("2.0"): installed(tmp_path, "prov", "2.0", {"prov/__init__.py": "def new_api(): pass\n"}),
    }


CONSUMER_SOURCES = {
    "1.0": "from prov import old_api\n",
    "1.1": "from prov import old_api\n",
    "1.2": "from prov import new_api\n",
}


def consumers(tmp_path: Path, requires: str, sources: dict[str, str] = CONSUMER_SOURCES) -> tuple[dict, dict]:  # type: ignore[type-arg]
    dists = {Version(v): installed(tmp_path, "cons", v, {"cons/__init__.py": s}, requires) for v, s in sources.items()}
    return dists, {v: d.requires for v, d in dists.items()}


def test_a_dropped_name_is_found_with_its_boundaries(tmp_path: Path) -> None:
    dists, requires = consumers(tmp_path, "prov>=1.0")
    (finding,) = mine_pair(dists, requires, providers(tmp_path), "prov")
    assert (finding.module, finding.name, finding.severity) == ("prov", "old_api", "error")
    assert finding.consumer_versions == (Version("1.0"), Version("1.1")) and finding.consumer_fixed == Version("1.2")
    assert (finding.provider_present, finding.provider_missing) == (Version("1.5"), Version("2.0"))
    assert (finding.file, finding.line, finding.allowed) == ("cons/__init__.py", 1, ">=1.0")
    rule = parse_rules(_toml_of([finding.as_rule()]), source="mined.toml").get("mined-cons-prov-old-api")
    assert rule.when == {"cons": ">=1.0,<1.2", "prov": ">=2.0"}
    assert rule.fix.options() == [{"prov": "<2.0"}, {"cons": ">=1.2"}]
    assert rule.mined is not None and (rule.mined.last_present, rule.mined.first_missing) == ("1.5", "2.0")


def test_metadata_that_keeps_them_apart_is_no_finding(tmp_path: Path) -> None:
    dists, requires = consumers(tmp_path, "prov<2")
    assert mine_pair(dists, requires, providers(tmp_path), "prov") == []


@pytest.mark.parametrize(
    ("source", "severity"),
    [
        ("def later():\n    from prov import old_api\n", "warning"),
        ("try:\n    from prov import old_api\nexcept ImportError:\n    old_api = None\n", None),
        ("from prov import never_there\n", None),  # missing from every version: not a removal
    ],
)
def test_call_time_is_a_warning_and_guarded_or_never_present_is_nothing(
    tmp_path: Path, source: str, severity: str | None
) -> None:
    dists, requires = consumers(tmp_path, "prov", {"1.0": source})
    found = mine_pair(dists, requires, providers(tmp_path), "prov")
    assert [f.severity for f in found] == ([severity] if severity else [])


def test_an_open_provider_is_never_a_finding(tmp_path: Path) -> None:
    lazy = {
        Version("1.0"): installed(tmp_path, "prov", "1.0", {"prov/__init__.py": "def old_api(): pass\n"}),
        Version("2.0"): installed(
            tmp_path, "prov", "2.0", {"prov/__init__.py": "def __getattr__(name):\n    return name\n"}
        ),
    }
    dists, requires = consumers(tmp_path, "prov", {"1.0": "from prov import old_api\n"})
    assert mine_pair(dists, requires, lazy, "prov") == []


def _toml_of(rules: list[dict]) -> str:  # type: ignore[type-arg]
    import tomlkit

    table = tomlkit.document()
    table["rule"] = rules
    return tomlkit.dumps(table)


@pytest.mark.usefixtures("offline_uv")
def test_matrix_mine_writes_rules_that_check_evaluates(tmp_path: Path, fake_index: FakeIndex, run_cli) -> None:
    fake_index.add(
        [
            FakeDist("provlib", "1.0", module_source="def old_api(): pass\n"),
            FakeDist("provlib", "2.0", module_source="def new_api(): pass\n"),
            FakeDist("conslib", "1.0", ("provlib",), module_source="from provlib import old_api\n"),
            FakeDist("conslib", "1.1", ("provlib",), module_source="from provlib import new_api\n"),
        ]
    )
    output = tmp_path / "mined.toml"
    result = run_cli(
        "matrix", "mine", "conslib", "provlib", "--against", "provlib", "--output", str(output), "--format", "json"
    )
    assert result.exit_code == 0, result.stderr
    data = json_data(result.stdout)
    # 1.0 loses old_api in provlib 2.0; 1.1 needs new_api, which provlib 1.0 does not have yet
    assert data["new"] == ["mined-conslib-provlib-new-api-floor", "mined-conslib-provlib-old-api"]
    assert data["releases_read"] == 4
    again = json_data(
        run_cli("matrix", "mine", "conslib", "--against", "provlib", "--output", str(output), "--format", "json").stdout
    )
    assert again["new"] == [] and again["gone"] == []  # nothing changed since the last run
    (tmp_path / "r.txt").write_text("conslib==1.0\nprovlib==2.0\n")
    check = run_cli("check", "--no-resolve", str(tmp_path / "r.txt"), "--rules", str(output))
    assert check.exit_code == 1
    assert "error: mined-conslib-provlib-old-api: conslib==1.0, provlib==2.0" in check.stdout
    assert "mined from the wheels: conslib 1.0 conslib/__init__.py:2 imports old_api from provlib" in check.stdout


@pytest.mark.network
def test_mining_a_real_slice_finds_cached_download_at_its_boundary(
    tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in ("UV_DEFAULT_INDEX", "UV_INDEX_URL"):
        monkeypatch.delenv(key, raising=False)
    output = tmp_path / "mined.toml"
    args = [
        "matrix",
        "mine",
        "diffusers",
        "--against",
        "huggingface-hub",
        "--since",
        "2024-06-01",
        "--output",
        str(output),
    ]
    result = run_cli(*args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    rules = {r["id"]: r for r in json_data(result.stdout)["findings"]}
    found = rules["mined-diffusers-huggingface-hub-cached-download"]
    assert found["mined"]["first_missing"] == "0.26.0" and found["mined"]["last_present"].startswith("0.25.")
    assert found["when"]["diffusers"].endswith(",<0.29.0")


def test_a_name_imported_at_import_and_in_a_function_is_an_error(tmp_path: Path) -> None:
    source = "def later():\n    from prov import old_api\nfrom prov import old_api\n"
    dists, requires = consumers(tmp_path, "prov", {"1.0": source})
    (finding,) = mine_pair(dists, requires, providers(tmp_path), "prov")
    assert (finding.severity, finding.line) == ("error", 3)


def test_versions_breaking_at_import_and_later_only_on_use_are_two_findings(tmp_path: Path) -> None:
    sources = {
        "1.0": "from prov import old_api\n",
        "1.1": "def later():\n    from prov import old_api\n",
        "1.2": "from prov import new_api\n",
    }
    dists, requires = consumers(tmp_path, "prov", sources)
    at_import, on_use = mine_pair(dists, requires, providers(tmp_path), "prov")
    assert (at_import.id, at_import.severity, at_import.consumer_versions) == (
        "mined-cons-prov-old-api",
        "error",
        (Version("1.0"),),
    )
    assert (on_use.id, on_use.severity, on_use.consumer_versions) == (
        "mined-cons-prov-old-api-on-use",
        "warning",
        (Version("1.1"),),
    )
    assert at_import.consumer_fixed == on_use.consumer_fixed == Version("1.2")  # 1.1 still breaks: not a fix


def test_shipped_mined_rules_carry_evidence_and_yield_to_curated_ones() -> None:
    from dataclasses import replace

    from hfscaffold.adapters.knowledge_files import builtin_rules
    from hfscaffold.matrix import covers

    rules = builtin_rules()
    mined = [r for r in rules if r.mined]
    assert mined and all(r.mined and r.mined.file and r.fix.evidence for r in mined)
    assert all(r.mined.line > 0 for r in mined if r.mined and r.mined.kind != "wheels")
    assert all(r.python and r.platform for r in mined if r.mined and r.mined.kind == "wheels")
    assert "mined-diffusers-huggingface-hub-cached-download" not in {r.id for r in rules}  # the curated rule stands
    curated = rules.get("diffusers-hub-cached-download")
    narrower = replace(curated, when={"diffusers": ">=0.20.0,<0.29.0", "huggingface-hub": ">=0.26.0"})
    wider = replace(curated, when={"diffusers": ">=0.20.0,<0.31.0", "huggingface-hub": ">=0.26.0"})
    assert covers(curated, narrower) and not covers(curated, wider)


@pytest.mark.parametrize(
    ("curated", "covered"),
    [
        ({}, True),
        ({"python": ">=3.12"}, True),
        ({"python": ">=3.13"}, False),  # the mined rule speaks of 3.12 too
        ({"platform": "linux"}, True),
        ({"platform": "win32"}, False),
    ],
)
def test_a_curated_rule_covers_a_mined_one_on_its_pythons_and_platforms(curated: dict[str, str], covered: bool) -> None:
    from dataclasses import replace

    from hfscaffold.adapters.knowledge_files import builtin_rules
    from hfscaffold.matrix import covers

    base = builtin_rules().get("tokenizers-no-cp312-wheel")
    known = replace(base, **{"python": None, "platform": None, **curated})
    mined = replace(base, python="==3.12.*", platform="linux", when={"tokenizers": ">=0.13.0,<0.14.0"})
    assert covers(known, mined) is covered
    assert not covers(known, replace(mined, python=None)) or known.python is None


def test_a_dropped_module_and_conversion_scripts(tmp_path: Path) -> None:
    provider = {
        Version("1.0"): installed(tmp_path, "prov", "1.0", {"prov/__init__.py": "", "prov/old_mod.py": ""}),
        Version("2.0"): installed(tmp_path, "prov", "2.0", {"prov/__init__.py": ""}),
    }
    files = {"cons/__init__.py": "import prov.old_mod\n", "cons/convert_x_to_y.py": "from prov.old_mod import thing\n"}
    dists = {Version("1.0"): installed(tmp_path, "cons", "1.0", files, "prov")}
    (finding,) = mine_pair(dists, {v: d.requires for v, d in dists.items()}, provider, "prov")
    rule = finding.as_rule()
    assert (
        rule["id"] == "mined-cons-prov-old-mod"
        and rule["symptom"] == "ModuleNotFoundError: No module named 'prov.old_mod'"
    )
    assert rule["probe"] == "import cons" and rule["mined"]["name"] == ""  # type: ignore[index]
    assert "cons 1.0 cons/__init__.py:1 imports prov.old_mod; prov 1.0 has it, 2.0 does not" in rule["fix"]["evidence"]  # type: ignore[index]


def undeclared_providers(tmp_path: Path) -> dict[Version, Installed]:
    source = {"prov/__init__.py": "def api(): pass\n"}
    return {
        Version("1.0"): installed(tmp_path, "prov", "1.0", source, "reqs>=2"),
        Version("1.5"): installed(tmp_path, "prov", "1.5", source, "reqs>=2;other"),
        Version("2.0"): installed(tmp_path, "prov", "2.0", source, "other"),
    }


@pytest.mark.parametrize(
    ("source", "declares", "found"),
    [
        ("import reqs\n", "", True),
        ("from reqs.sessions import Session\n", "", True),
        ("import reqs\n", ";reqs", False),  # declared: it is the consumer's own requirement
        ("import reqs\n", ";reqs; extra == 'web'", False),  # declared under an extra: not decided here
        ("def f():\n    import reqs\n", "", False),  # on use only
        ("try:\n    import reqs\nexcept ImportError:\n    reqs = None\n", "", False),
    ],
)
def test_an_undeclared_import_the_provider_stops_bringing(
    tmp_path: Path, source: str, declares: str, found: bool
) -> None:
    sources = {"1.0": source, "1.1": source, "1.2": "import prov\n"}
    dists, requires = consumers(tmp_path, f"prov>=1.0{declares}", sources)
    tops = {"reqs": frozenset({"reqs"}), "unrelated": frozenset({"elsewhere"})}
    findings = mine_undeclared(dists, requires, undeclared_providers(tmp_path), "prov", tops)
    assert [f.id for f in findings] == (["mined-cons-prov-undeclared-reqs"] if found else [])
    if not found:
        return
    (finding,) = findings
    assert (finding.provider_present, finding.provider_missing) == (Version("1.5"), Version("2.0"))
    rule = parse_rules(_toml_of([finding.as_rule()]), source="mined.toml").get(finding.id)
    assert rule.when == {"cons": ">=1.0,<1.2", "prov": ">=2.0", "reqs": "absent"}
    assert rule.severity == "error" and rule.symptom == "ModuleNotFoundError: No module named 'reqs'"
    assert rule.fix.options() == [{"prov": "<2.0"}, {"cons": ">=1.2"}]
    assert rule.mined is not None and (rule.mined.kind, rule.mined.requires) == ("undeclared", "reqs")
    assert "cons 1.1 cons/__init__.py:1 imports reqs at import and does not require reqs" in rule.fix.evidence


def test_an_undeclared_import_is_checked_like_any_rule(tmp_path: Path) -> None:
    from hfscaffold.evaluation import evaluate
    from hfscaffold.pins import read_requirements

    dists, requires = consumers(tmp_path, "prov>=1.0", {"1.0": "import reqs\n"})
    tops = {"reqs": frozenset({"reqs"})}
    (finding,) = mine_undeclared(dists, requires, undeclared_providers(tmp_path), "prov", tops)
    rules = parse_rules(_toml_of([finding.as_rule()]), source="mined.toml")
    without = evaluate(rules, read_requirements("cons==1.0\nprov==2.0\n"))
    with_it = evaluate(rules, read_requirements("cons==1.0\nprov==2.0\nreqs==2.1\n"))
    assert [v.rule.id for v in without] == [finding.id] and with_it == []


def test_a_keyword_argument_a_provider_stopped_accepting(tmp_path: Path) -> None:
    old = "class Args:\n    def __init__(self, evaluation_strategy=None, eval_strategy=None): pass\n"
    new = "class Args:\n    def __init__(self, eval_strategy=None): pass\n"
    provider = {
        Version("1.0"): installed(tmp_path, "prov", "1.0", {"prov/__init__.py": old}),
        Version("2.0"): installed(tmp_path, "prov", "2.0", {"prov/__init__.py": new}),
    }
    sources = {
        "1.0": "from prov import Args\ndef f():\n    Args(evaluation_strategy='x')\n",
        "1.1": "from prov import Args\ndef f():\n    Args(eval_strategy='x')\n",
    }
    dists, requires = consumers(tmp_path, "prov", sources)
    (finding,) = mine_pair(dists, requires, provider, "prov")
    assert finding.id == "mined-cons-prov-args-evaluation-strategy-on-use"
    rule = parse_rules(_toml_of([finding.as_rule()]), source="mined.toml").get(finding.id)
    assert rule.symptom == "TypeError: Args.__init__() got an unexpected keyword argument 'evaluation_strategy'"
    assert rule.when == {"cons": ">=1.0,<1.1", "prov": ">=2.0"} and rule.severity == "warning"
    assert rule.mined is not None and (rule.mined.kind, rule.mined.keyword, rule.mined.line) == (
        "keyword",
        "evaluation_strategy",
        3,
    )
    assert "passes evaluation_strategy= to Args from prov; prov 1.0 accepts it, 2.0 does not" in rule.fix.evidence


def _judged(tmp_path: Path, sources: dict[str, str]) -> dict[Version, Installed]:
    return {Version(v): installed(tmp_path, "prov", v, {"prov/__init__.py": src}) for v, src in sources.items()}


def test_a_name_a_provider_gained_is_a_floor_the_consumer_never_declared(tmp_path: Path) -> None:
    provider = _judged(tmp_path, {"1.0": "X = 1\n", "1.5": "X = 1\n", "2.0": "X = 1\ndef new_api(): pass\n"})
    dists, requires = consumers(tmp_path, "prov", {"1.0": "from prov import new_api\n"})
    (finding,) = mine_pair(dists, requires, provider, "prov")
    rule = parse_rules(_toml_of([finding.as_rule()]), source="mined.toml").get(finding.id)
    assert rule.when == {"cons": ">=1.0,<=1.0", "prov": ">=1.0,<2.0"}
    assert rule.fix.options() == [{"prov": ">=2.0"}]
    assert rule.mined is not None and rule.mined.floor and rule.mined.last_present == "2.0"
    assert "prov 1.0 does not have it, 2.0 has it" in rule.fix.evidence


def test_a_name_that_comes_back_bounds_the_bad_range(tmp_path: Path) -> None:
    provider = _judged(
        tmp_path, {"1.0": "def api(): pass\n", "2.0": "X = 1\n", "2.1": "X = 1\n", "3.0": "def api(): pass\n"}
    )
    dists, requires = consumers(tmp_path, "prov", {"1.0": "from prov import api\n"})
    (finding,) = mine_pair(dists, requires, provider, "prov")
    rule = parse_rules(_toml_of([finding.as_rule()]), source="mined.toml").get(finding.id)
    assert rule.when["prov"] == ">=2.0,<3.0"  # 3.0 has it again: not flagged
    assert rule.fix.options() == [{"prov": "<2.0"}]


def test_a_provider_version_that_cannot_be_read_is_neither_present_nor_missing(tmp_path: Path) -> None:
    lazy = "def __getattr__(name):\n    raise AttributeError(name)\n"
    provider = _judged(tmp_path, {"1.0": lazy, "1.5": "X = 1\n", "2.0": "X = 1\ndef new_api(): pass\n"})
    dists, requires = consumers(tmp_path, "prov", {"1.0": "from prov import new_api\n"})
    (finding,) = mine_pair(dists, requires, provider, "prov")
    # 1.0 is open (unknown): the finding speaks of 1.5 only, and never claims 1.0 has or lacks it
    assert (finding.provider_missing, finding.provider_present, finding.floor) == (Version("1.5"), Version("2.0"), True)
    only_open = _judged(tmp_path / "o", {"1.0": lazy, "2.0": "X = 1\n"})
    assert mine_pair(dists, requires, only_open, "prov") == []  # missing where seen, never seen present


def test_a_name_gained_and_later_removed_is_a_floor_and_a_removal(tmp_path: Path) -> None:
    provider = _judged(tmp_path, {"1.0": "X = 1\n", "2.0": "def api(): pass\n", "3.0": "X = 1\n"})
    dists, requires = consumers(tmp_path, "prov", {"1.0": "from prov import api\n"})
    found = mine_pair(dists, requires, provider, "prov")
    assert [(f.floor, str(f.provider_missing), str(f.provider_until)) for f in found] == [
        (False, "3.0", "None"),
        (True, "1.0", "2.0"),
    ]
    assert [f.id for f in found] == ["mined-cons-prov-api", "mined-cons-prov-api-floor"]
