"""The compiled knowledge index: the same answers as the validated rules, validated once.

The index path (a rule set read back from its compiled form, rules looked up by package name)
is compared with the schema's path (every rule parsed by pydantic, every rule tried) on every
rule file the tests use and on random pin sets around the rules' own boundaries.
"""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.version import Version
from test_check import MY_RULE
from test_matrix import RULE
from test_units import ADVISORY

from hfscaffold.adapters import knowledge_files
from hfscaffold.errors import UserError
from hfscaffold.evaluation import evaluate, undecided
from hfscaffold.knowledge import RuleSet, compile_rules, load_compiled
from hfscaffold.matrix import parse_rules
from hfscaffold.pins import PinSet

DATA = Path(knowledge_files.__file__).resolve().parents[1] / "data"
TESTS = Path(__file__).parent / "data"

RULE_FILES = {
    "rules.toml": (DATA / "rules.toml").read_text(encoding="utf-8"),
    "mined.toml": (DATA / "mined.toml").read_text(encoding="utf-8"),
    **{p.name: p.read_text(encoding="utf-8") for p in sorted(TESTS.glob("*.toml")) if "[[rule]]" in p.read_text()},
    "test_matrix.RULE": RULE,
    "test_units.ADVISORY": ADVISORY,
    "test_check.MY_RULE": MY_RULE,
}


def _near(versions: list[Version], chooser: random.Random) -> Version:
    """A version at, just below or just above one of ``versions``, or a pre-release of one."""
    base = chooser.choice(versions)
    release = list(base.release) + [0] * (3 - len(base.release))
    step = chooser.choice([-1, 0, 0, 1])
    position = chooser.randrange(len(release))
    release[position] = max(0, release[position] + step)
    text = ".".join(map(str, release))
    return Version(text + chooser.choice(["", "", "", "rc1", ".post1", ".dev0"]))


def random_pin_sets(rules: RuleSet, count: int, seed: int) -> list[PinSet]:
    chooser = random.Random(seed)
    names = sorted({name for rule in rules for name in rule.when}) + ["numpy", "left-pad"]
    bounds: dict[str, list[Version]] = {name: [Version("0.1"), Version("1.0")] for name in names}
    for rule in rules:
        for name, spec in rule.specifiers.items():
            bounds[name] += [Version(s.version.removesuffix(".*")) for s in spec or ()]
    pin_sets = []
    for _ in range(count):
        picked = chooser.sample(names, k=min(len(names), chooser.randint(1, 8)))
        packages = {
            name: tuple(sorted({_near(bounds[name], chooser) for _ in range(chooser.choice([1, 1, 1, 2]))}))
            for name in picked
        }
        python = chooser.choice([None, Version("3.10.4"), Version("3.12.1"), Version("3.13.0")])
        platform = chooser.choice([None, "linux", "darwin", "win32"])
        pin_sets.append(PinSet(packages, "random", python=python, platform=platform))
    return pin_sets


@pytest.mark.parametrize("source", sorted(RULE_FILES))
def test_the_index_answers_as_the_validated_rules_do(source: str) -> None:
    validated = parse_rules(RULE_FILES[source], source=source)
    indexed = load_compiled(compile_rules(validated))
    assert indexed.version == validated.version and indexed.ids == validated.ids
    assert [r.as_json() for r in indexed] == [r.as_json() for r in validated]
    every_rule = list(validated)  # a plain list: evaluation tries each rule, no index
    fired = 0
    for pins in random_pin_sets(validated, 300, seed=len(source)):
        expected = [v.as_json() for v in evaluate(every_rule, pins)]
        assert [v.as_json() for v in evaluate(indexed, pins)] == expected
        fired += bool(expected)
        unknown = sorted({name for rule in validated for name in rule.when} - set(pins.packages))[:3]
        assert [(r.id, m, u) for r, m, u in undecided(indexed, pins, unknown)] == [
            (r.id, m, u) for r, m, u in undecided(every_rule, pins, unknown)
        ]
    assert fired, "the random pins should fire some rule"


def test_the_index_of_the_builtin_knowledge_answers_as_its_files_do(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    knowledge_files.builtin_rules.cache_clear()
    try:
        first = knowledge_files.builtin_rules()  # validated, then compiled into the cache
        knowledge_files.builtin_rules.cache_clear()
        cached = knowledge_files.builtin_rules()
    finally:
        knowledge_files.builtin_rules.cache_clear()
    assert list((tmp_path / "hfscaffold" / "knowledge").glob("*"))
    every_rule = list(first)
    assert [r.as_json() for r in cached] == [r.as_json() for r in every_rule]
    for pins in random_pin_sets(first, 400, seed=7):
        assert [v.as_json() for v in evaluate(cached, pins)] == [v.as_json() for v in evaluate(every_rule, pins)]


def test_a_universal_lock_is_looked_up_by_every_targets_packages() -> None:
    rules = load_compiled(compile_rules(parse_rules(RULE, source="rule.toml")))
    linux = PinSet({"diffusers": (Version("0.27.2"),), "huggingface-hub": (Version("0.26.0"),)}, "uv.lock")
    lock = PinSet({"diffusers": (Version("0.27.2"),)}, "uv.lock", expand=lambda: (linux,))
    assert [v.rule.id for v in evaluate(rules, lock)] == [r.id for r in rules]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "hfscaffold" / "knowledge"


def _count_validations(monkeypatch) -> list[str]:
    import hfscaffold.matrix

    seen: list[str] = []
    real = hfscaffold.matrix.parse_rules

    def counting(text: str, *, source: str) -> RuleSet:
        seen.append(source)
        return real(text, source=source)

    monkeypatch.setattr(hfscaffold.matrix, "parse_rules", counting)
    return seen


def test_a_users_rule_file_is_validated_once_per_content(tmp_path: Path, cache: Path, monkeypatch) -> None:
    validations = _count_validations(monkeypatch)
    mine = tmp_path / "mine.toml"
    mine.write_text(MY_RULE, encoding="utf-8")
    first = knowledge_files.rule_file(mine)
    again = knowledge_files.rule_file(mine)
    assert validations == [str(mine)]
    assert [r.as_json() for r in again] == [r.as_json() for r in first]
    mine.write_text(MY_RULE.replace('severity = "warning"', 'severity = "error"'), encoding="utf-8")
    assert [r.severity for r in knowledge_files.rule_file(mine)] == ["error"]
    assert validations == [str(mine), str(mine)]  # an edit is a miss, never a stale answer
    assert len(list(cache.glob("*"))) == 2


def test_own_files_are_kept_by_their_stamps_and_a_changed_file_is_a_miss(tmp_path: Path, cache: Path) -> None:
    import os

    from hfscaffold.adapters.validated import validated_own_files

    rules, schema = tmp_path / "rules.toml", tmp_path / "knowledge.py"
    rules.write_text(RULE, encoding="utf-8")
    schema.write_text("# the schema\n", encoding="utf-8")
    validations: list[str] = []

    def compiled() -> RuleSet:
        text = rules.read_text(encoding="utf-8")
        validations.append(text)
        return parse_rules(text, source="rules.toml")

    def kept() -> list[str]:
        found = validated_own_files(
            "knowledge", [rules, schema], compiled, dump=compile_rules, load=lambda data, _: load_compiled(data), form=1
        )
        return [r.severity for r in found]

    assert kept() == kept() == ["error"]
    assert len(validations) == 1  # the second answer came from the cache
    rules.write_text(RULE.replace('severity = "error"', 'severity = "warning"'), encoding="utf-8")
    assert kept() == ["warning"] and len(validations) == 2  # an edit (a new stamp) is a miss
    status = schema.stat()
    os.utime(schema, ns=(status.st_atime_ns, status.st_mtime_ns + 1_000_000))
    assert kept() == ["warning"] and len(validations) == 3  # so is a touched module of the schema
    assert len(list(cache.glob("*"))) == 3


def test_a_damaged_index_is_a_miss_and_an_unwritable_cache_costs_only_time(
    tmp_path: Path, cache: Path, monkeypatch
) -> None:
    validations = _count_validations(monkeypatch)
    mine = tmp_path / "mine.toml"
    mine.write_text(MY_RULE, encoding="utf-8")
    knowledge_files.rule_file(mine)
    (index,) = cache.glob("*")
    index.write_bytes(index.read_bytes()[:-10])  # cut short, as a full disk might leave it
    assert [r.id for r in knowledge_files.rule_file(mine)] == ["my-team-no-old-tokenizers"]
    assert len(validations) == 2
    index.write_bytes(b"garbage")
    assert [r.id for r in knowledge_files.rule_file(mine)] == ["my-team-no-old-tokenizers"]
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))  # the cache folder cannot be made
    assert [r.id for r in knowledge_files.rule_file(mine)] == ["my-team-no-old-tokenizers"]
    assert len(validations) == 4


def test_a_malformed_rule_file_is_reported_as_before_and_never_cached(tmp_path: Path, cache: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(RULE.replace('severity = "error"', 'severity = "fatal"'), encoding="utf-8")
    with pytest.raises(UserError) as from_index:
        knowledge_files.rule_file(bad)
    with pytest.raises(UserError) as from_schema:
        parse_rules(bad.read_text(encoding="utf-8"), source=str(bad))
    assert (from_index.value.message, from_index.value.hint) == (from_schema.value.message, from_schema.value.hint)
    assert "severity" in from_index.value.message
    assert not cache.exists() or list(cache.iterdir()) == []


def test_merging_rule_files_validates_nothing_again(tmp_path: Path, cache: Path, monkeypatch) -> None:
    knowledge_files.builtin_rules.cache_clear()
    try:
        mine = tmp_path / "mine.toml"
        mine.write_text(MY_RULE, encoding="utf-8")
        knowledge_files.load_rules([mine])  # validates the built-in files and mine once
        knowledge_files.builtin_rules.cache_clear()
        validations = _count_validations(monkeypatch)
        merged = knowledge_files.load_rules([mine])
    finally:
        knowledge_files.builtin_rules.cache_clear()
    assert validations == []
    assert merged.ids[-1] == "my-team-no-old-tokenizers" and merged.version.endswith("+mine.toml")


def test_loading_cached_knowledge_imports_no_pydantic(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from hfscaffold.adapters.knowledge_files import load_rules\n"
        "from hfscaffold.evaluation import evaluate\n"
        "from hfscaffold.pins import read_requirements\n"
        "rules = load_rules()\n"
        "found = evaluate(rules, read_requirements('diffusers==0.27.2\\nhuggingface-hub==0.26.0\\n'))\n"
        "print(len(found), 'pydantic' in sys.modules)\n"
    )
    env = {"XDG_CACHE_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    cached = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert first.stdout.split()[1] == "True"  # the first run validates the rule files
    assert cached.stdout.split() == [first.stdout.split()[0], "False"]
    assert int(first.stdout.split()[0]) >= 1


def test_a_rule_is_built_only_when_the_pins_are_in_its_ranges() -> None:
    text = "\n".join(
        f'[[rule]]\nid = "team-{i}"\nsummary = "team rule number {i}"\nseverity = "warning"\n'
        f'symptom = "ImportError {i}"\nprobe = "import a"\nreferences = ["https://example.org/{i}"]\n'
        f'[rule.when]\npackage-{i % 50} = ">={i}.0,<{i}.1"\nhuggingface-hub = ">=0.26"\n'
        f'[rule.fix]\nprefer = {{ huggingface-hub = "<0.26" }}\n'
        for i in range(500)
    )
    rules = load_compiled(compile_rules(parse_rules(text, source="team.toml")))
    (part,) = rules._parts
    hub = (Version("0.26.0"),)
    pins = PinSet({"package-7": (Version("107.0.3"),), "huggingface-hub": hub}, "requirements.txt")
    assert [v.rule.id for v in evaluate(rules, pins)] == ["team-107"]
    assert sorted(part._built) == [107]  # the other 499 rules stayed in their JSON
    outside = PinSet({"package-7": (Version("9.0"),), "huggingface-hub": hub}, "requirements.txt")
    assert evaluate(rules, outside) == [] and sorted(part._built) == [107]
    assert [r.id for r, _, _ in undecided(rules, PinSet({"package-8": (Version("8.0.1"),)}, "r"), [])] == ["team-8"]


def test_a_rule_changed_in_the_index_since_it_was_written_is_an_error_naming_the_file(
    tmp_path: Path, cache: Path, run_cli
) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text(MY_RULE, encoding="utf-8")
    knowledge_files.rule_file(mine)
    (index,) = cache.glob("*")
    index.write_bytes(index.read_bytes().replace(b'"probe":', b'"probX":'))  # the same length: the head holds
    pins = tmp_path / "requirements.txt"
    pins.write_text("tokenizers==0.19.1\ntransformers==4.45.0\n")
    result = run_cli("check", str(pins), "--no-resolve", "--rules", str(mine))
    assert result.exit_code == 3 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"error: the compiled knowledge {index} is damaged (TypeError)",
        "hint: remove it: the next run validates the rule file again and compiles it anew",
    ]
    index.unlink()
    assert run_cli("check", str(pins), "--no-resolve", "--rules", str(mine)).exit_code == 0  # a warning rule


def test_a_changed_schema_is_a_miss_though_the_version_stays(tmp_path: Path, cache: Path) -> None:
    from hfscaffold.adapters.validated import validated_once

    schema = tmp_path / "schema.py"
    schema.write_text("A = 1\n")
    made: list[int] = []

    def keep(value: int) -> int:
        return validated_once(
            "test", [b"input"], lambda: made.append(value) or value, dump=lambda v: str(v).encode(),
            load=lambda data, _: int(data), form=1, schema=[schema],
        )  # fmt: skip

    assert (keep(1), keep(2)) == (1, 1) and made == [1]
    schema.write_text("A = 2\n")
    assert keep(3) == 3 and made == [1, 3]
