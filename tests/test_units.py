"""Unit tests of the pure core (policy, review, the matrix), with literal inputs: the tests a
mutation run over those modules showed missing (tools/mutation.py)."""

from __future__ import annotations

import re

import pytest
from packaging.version import Version
from test_matrix import RULE

from hfscaffold.errors import UserError
from hfscaffold.pins import PinSet
from hfscaffold.policy import Policy, family_of, parse_policy
from hfscaffold.review import Change, HeldBack, Review, diff, level_of, release_notes_url


@pytest.mark.parametrize(
    ("policy", "current", "allowed", "refused"),
    [
        (Policy.PATCH, "4.44.2", ["4.44.2", "4.44.9"], ["4.44.1", "4.45.0", "5.0.0"]),
        (Policy.MINOR, "4.44.2", ["4.44.2", "4.99.0"], ["4.44.1", "5.0.0"]),
        (Policy.MAJOR, "4.44.2", ["4.44.2", "9.0.0"], ["4.44.1"]),
        (Policy.PATCH, "5", ["5", "5.0.3"], ["5.1", "6", "4.9"]),  # one segment: 5 is 5.0
        (Policy.MINOR, "2024", ["2024.9"], ["2025", "2023"]),
        (Policy.PATCH, "0.19.1", ["0.19.2"], ["0.20.0", "0.19.0"]),
    ],
)
def test_a_policy_allows_newer_versions_within_its_bound(
    policy: Policy, current: str, allowed: list[str], refused: list[str]
) -> None:
    specifier = policy.allowed(Version(current))
    assert all(specifier.contains(v, prereleases=True) for v in allowed), specifier
    assert not any(specifier.contains(v, prereleases=True) for v in refused), specifier


def test_parse_policy_names_the_choices() -> None:
    assert parse_policy("minor") is Policy.MINOR
    with pytest.raises(UserError) as info:
        parse_policy("latest")
    assert info.value.message == "unknown policy 'latest'" and "patch (default), minor or major" in (
        info.value.hint or ""
    )


def test_torch_and_its_companions_are_one_family() -> None:
    assert family_of("torchvision") == {"torch", "torchvision", "torchaudio", "triton"}
    assert family_of("transformers") == {"transformers"}


@pytest.mark.parametrize(
    ("old", "new", "level"),
    [
        (None, "1.0", "added"),
        ("1.0", None, "removed"),
        ("2.0", "1.9", "downgrade"),
        ("1.0", "1.1rc1", "pre-release"),
        ("1.0", "1.0.1.dev1", "pre-release"),
        ("1.9", "2.0", "major"),
        ("1.1", "1.2", "minor"),
        ("1.1.1", "1.1.2", "patch"),
        ("1.1", "1.1.0.post1", "rebuild"),
        ("2.5.1+cpu", "2.5.1+cu121", "rebuild"),
        ("5", "5.0.1", "patch"),  # single segments count as zeros
        ("2024", "2025", "major"),
        ("0.19", "0.20", "minor"),
    ],
)
def test_the_level_of_a_change(old: str | None, new: str | None, level: str) -> None:
    assert level_of(Version(old) if old else None, Version(new) if new else None) == level


def pins(**versions: str) -> PinSet:
    return PinSet({name.replace("_", "-"): (Version(v),) for name, v in versions.items()}, "test")


def test_diff_lists_what_moved_hf_packages_first_then_by_level_then_name() -> None:
    old = pins(transformers="4.44.2", numpy="1.26.4", tqdm="4.66.5", six="1.16.0", datasets="2.21.0")
    new = pins(transformers="5.0.1", numpy="2.1.0", tqdm="4.66.6", six="1.16.0", datasets="2.21.1", idna="3.10")
    changes = diff(old, new)
    assert [(c.name, c.level, c.hf) for c in changes] == [
        ("transformers", "major", True),
        ("datasets", "patch", True),
        ("numpy", "major", False),
        ("tqdm", "patch", False),
        ("idna", "added", False),
    ]
    assert changes[0].release_notes == "https://github.com/huggingface/transformers/releases/tag/v5.0.1"
    assert changes[-1].old is None and changes[-1].new == "3.10" and changes[-1].release_notes is None
    assert diff(old, old) == []


def test_diff_sees_a_second_version_of_a_package_appear() -> None:
    old = PinSet({"numpy": (Version("1.26.4"),)}, "a")
    new = PinSet({"numpy": (Version("1.24.0"), Version("1.26.4"))}, "b")  # a fork added an older numpy
    (change,) = diff(old, new)
    assert change.name == "numpy" and change.level == "rebuild"


def test_release_notes_only_for_catalog_packages() -> None:
    from hfscaffold.catalog import load_catalog

    assert (
        release_notes_url(load_catalog(), "peft", "0.17.1")
        == "https://github.com/huggingface/peft/releases/tag/v0.17.1"
    )
    assert release_notes_url(load_catalog(), "six", "1.0") is None


def change(name: str, level: str) -> Change:
    return Change(name, "1", "2", level, False, None)  # type: ignore[arg-type]


def test_the_summary_says_what_a_review_holds() -> None:
    assert Review(changes=[]).summary == "Nothing to upgrade: every package is at the newest version the policy allows."
    assert Review(changes=[], blocked=["torch would move alone", "second"]).summary == "Blocked: torch would move alone"
    one = Review(changes=[change("a", "patch")])
    assert one.summary == "1 package changes (1 patch)."
    many = Review(
        changes=[change("a", "patch"), change("b", "major"), change("c", "major"), change("d", "added")],
        held_back=[HeldBack("x", "2.0.0", "cooldown")],
    )
    assert many.counts == {"patch": 1, "major": 2, "added": 1}
    assert many.summary == "4 packages change (2 major, 1 patch, 1 added); 1 held back."
    data = many.as_json()
    assert data["summary"] == many.summary and data["held_back"] == [
        {"name": "x", "version": "2.0.0", "reason": "cooldown"}
    ]
    assert [c["name"] for c in data["changes"]] == ["a", "b", "c", "d"] and data["blocked"] == []


def test_changes_sort_by_level_then_name() -> None:
    """Each level's place is its own: names in reverse order show the level decides first."""
    levels = [
        ("z", "major"),
        ("y", "minor"),
        ("x", "pre-release"),
        ("w", "patch"),
        ("v", "rebuild"),
        ("u", "downgrade"),
        ("t", "added"),
        ("s", "removed"),
    ]
    versions = {
        "major": ("1.0", "2.0"), "minor": ("1.0", "1.1"), "pre-release": ("1.0", "1.1rc1"), "patch": ("1.0", "1.0.1"),
        "rebuild": ("1.0", "1.0.post1"), "downgrade": ("2.0", "1.0"), "added": (None, "1.0"), "removed": ("1.0", None),
    }  # fmt: skip
    old = PinSet({name: (Version(versions[level][0]),) for name, level in levels if versions[level][0]}, "a")
    new = PinSet({name: (Version(versions[level][1]),) for name, level in levels if versions[level][1]}, "b")
    assert [(c.name, c.level) for c in diff(old, new)] == levels


@pytest.mark.parametrize(
    ("old", "new", "level"),
    [("4", "4.0.0.post1", "rebuild"), ("4.0.1", "5", "major"), ("4.1", "4.1.1", "patch"), ("7", "7.0.1", "patch")],
)
def test_levels_pad_short_versions_with_zeros(old: str, new: str, level: str) -> None:
    assert level_of(Version(old), Version(new)) == level


def test_review_values_are_frozen() -> None:
    import dataclasses

    for value in (change("a", "patch"), HeldBack("x", "1", "r"), Review(changes=[])):
        with pytest.raises(dataclasses.FrozenInstanceError):
            value.name = "b"  # type: ignore[misc, union-attr]


def test_advisory_review_says_what_an_upgrade_fixes_and_what_remains() -> None:
    from hfscaffold.adapters.knowledge_files import builtin_rules
    from hfscaffold.review import advisory_review

    fixed, remaining = advisory_review(builtin_rules(), pins(transformers="4.44.2"), pins(transformers="4.48.0"))
    assert "transformers-mobilevitv2-deserialization-cve-2024-11392" in {v.rule.id for v in fixed}
    assert {v.rule.id for v in remaining} == {"transformers-attn-implementation-rce-cve-2026-4372"}
    assert not {v.rule.id for v in fixed} & {v.rule.id for v in remaining}
    assert advisory_review(builtin_rules(), pins(transformers="4.48.0"), pins(transformers="4.48.0"))[0] == []


# -- the matrix ---------------------------------------------------------------------------------------

MATRIX_RULE = RULE  # the diffusers/huggingface-hub rule of the matrix tests

ADVISORY = """
[[rule]]
id = "gradio-advisory"
kind = "advisory"
advisories = ["CVE-2024-12345"]
summary = "gradio before 4.44 serves files outside its folder"
severity = "warning"
symptom = "a path traversal"
probe = "import gradio"
references = ["https://github.com/gradio-app/gradio/security"]
[rule.when]
gradio = "<4.44"
[rule.fix]
prefer = { gradio = ">=4.44" }
"""


def rules_of(text: str):  # type: ignore[no-untyped-def]
    from hfscaffold.matrix import parse_rules

    return parse_rules(text, source="t.toml")


@pytest.mark.parametrize(
    ("a", "b", "overlap"),
    [
        ("~=1.2", ">=1.3", True),  # ~=1.2 runs to 2.0
        ("~=1.2", ">=2.0", False),
        ("~=1.2.0", ">=1.3", False),  # ~=1.2.0 ends at 1.3
        ("==1.2.*", ">=1.3", False),
        ("==1.2.*", ">=1.2.9", True),
        (
            "<5.0.0",
            ">=5.0.0rc1",
            False,
        ),  # PEP 440: <5.0.0 excludes 5.0's pre-releases (the gap a rule's range must close)
        (">=4,<5", "==4.*", True),
        ("==2024.1", ">=2024.2", False),
        (">1.0", "<=1.0.post1", False),  # >1.0 excludes 1.0's post-releases
    ],
)
def test_specifiers_overlap_at_their_boundaries(a: str, b: str, overlap: bool) -> None:
    from packaging.specifiers import SpecifierSet

    from hfscaffold.ranges import specifiers_overlap

    assert specifiers_overlap(SpecifierSet(a), SpecifierSet(b)) is overlap
    assert specifiers_overlap(SpecifierSet(b), SpecifierSet(a)) is overlap


def test_a_fix_that_does_not_exclude_a_tilde_range_is_refused() -> None:
    text = MATRIX_RULE.replace('diffusers = "<0.29"', 'diffusers = "~=0.27.0"').replace(
        'prefer = { diffusers = ">=0.29" }', 'prefer = { diffusers = ">=0.27.5" }'
    )
    with pytest.raises(UserError, match="does not exclude the bad combination"):
        rules_of(text)
    assert rules_of(text.replace('">=0.27.5"', '">=0.28"'))  # ~=0.27.0 ends at 0.28


def test_matches_names_the_offending_versions_and_reads_every_version_of_a_package() -> None:
    (rule,) = rules_of(MATRIX_RULE)
    two = PinSet({"diffusers": (Version("0.27.2"), Version("0.30.0")), "huggingface-hub": (Version("0.26.0"),)}, "lock")
    assert rule.matches(two) == {"diffusers": "0.27.2", "huggingface-hub": "0.26.0"}
    assert rule.matches(pins(diffusers="0.30.0", huggingface_hub="0.26.0")) is None
    assert rule.matches(pins(huggingface_hub="0.26.0")) is None
    assert rule.matches(pins(diffusers="0.29.0rc1", huggingface_hub="0.26.0")) is None  # 0.29.0rc1 counts with 0.29


@pytest.mark.parametrize(
    ("python", "platform", "fires"),
    [("3.12.1", "linux", True), ("3.11.9", "linux", False), ("3.12.1", "win32", False), (None, None, True)],
)
def test_python_and_platform_conditions(python: str | None, platform: str | None, fires: bool) -> None:
    (rule,) = rules_of(
        MATRIX_RULE.replace('severity = "error"', 'severity = "error"\npython = ">=3.12"\nplatform = "linux"')
    )
    versions = {"diffusers": (Version("0.27.2"),), "huggingface-hub": (Version("0.26.0"),)}
    target = PinSet(versions, "env", python=Version(python) if python else None, platform=platform)
    assert (rule.matches(target) is not None) is fires


def test_breakages_and_advisories_are_told_apart() -> None:
    from hfscaffold.evaluation import advisories, breakages, evaluate

    rules = rules_of(MATRIX_RULE + ADVISORY)
    found = evaluate(rules, pins(diffusers="0.27.2", huggingface_hub="0.26.0", gradio="4.37.2"))
    assert [v.rule.id for v in breakages(found)] == ["diffusers-hub-cached-download"]
    assert [v.rule.id for v in advisories(found)] == ["gradio-advisory"]
    advisory = advisories(found)[0].as_json()
    assert advisory["advisories"] == ["CVE-2024-12345"] and advisory["severity"] == "warning"
    breakage = breakages(found)[0].as_json()
    assert "advisories" not in breakage and breakage["packages"] == {"diffusers": "0.27.2", "huggingface-hub": "0.26.0"}
    assert breakage["fix"] == {
        "prefer": {"diffusers": ">=0.29"},
        "alternative": {"huggingface-hub": "<0.26"},
        "note": "",
    }


def test_a_fixs_options_and_whether_they_agree_with_the_users_pins() -> None:
    from packaging.specifiers import SpecifierSet

    from hfscaffold.ranges import compatible

    (rule,) = rules_of(MATRIX_RULE)
    assert rule.fix.options() == [{"diffusers": ">=0.29"}, {"huggingface-hub": "<0.26"}]
    (alone,) = rules_of(MATRIX_RULE.replace('alternative = { huggingface-hub = "<0.26" }\n', ""))
    assert alone.fix.options() == [{"diffusers": ">=0.29"}]
    assert compatible({"diffusers": ">=0.29"}, {})
    assert compatible({"diffusers": ">=0.29"}, {"huggingface-hub": SpecifierSet("==0.26.0")})
    assert not compatible({"diffusers": ">=0.29"}, {"diffusers": SpecifierSet("==0.27.2")})
    assert compatible({"diffusers": ">=0.29", "torch": "<3"}, {"torch": SpecifierSet("==2.5.1")})
    assert not compatible({"diffusers": ">=0.29", "torch": "<2"}, {"torch": SpecifierSet("==2.5.1")})


@pytest.mark.parametrize(
    ("field", "short"),
    [("summary", 'summary = "too short"'), ("symptom", 'symptom = "Err"'), ("probe", 'probe = "x"')],
)
def test_a_rule_says_enough(field: str, short: str) -> None:
    text = re.sub(rf"^{field} = .*$", short, MATRIX_RULE, flags=re.MULTILINE)
    with pytest.raises(UserError, match=field):
        rules_of(text)


def test_a_rule_with_every_package_absent_is_refused_and_rules_are_frozen() -> None:
    text = MATRIX_RULE.replace('diffusers = "<0.29"\nhuggingface-hub = ">=0.26"', 'diffusers = "absent"')
    with pytest.raises(UserError, match="at least one package must be present"):
        rules_of(text)
    (rule,) = rules_of(MATRIX_RULE)
    with pytest.raises(AttributeError, match="cannot assign"):
        rule.id = "other"  # type: ignore[misc]
    ruleset = rules_of(MATRIX_RULE)
    with pytest.raises(AttributeError, match="no setter"):
        ruleset.version = "other"  # type: ignore[misc]


def test_an_unknown_rule_id_suggests_the_closest() -> None:
    ruleset = rules_of(MATRIX_RULE + ADVISORY)
    assert ruleset.get("gradio-advisory").kind == "advisory"
    with pytest.raises(UserError) as info:
        ruleset.get("diffusers-hub-cached-downlaod")
    assert info.value.hint == "did you mean 'diffusers-hub-cached-download'?"
    with pytest.raises(UserError) as info:
        ruleset.get("zzz")
    assert info.value.hint == "`hfscaffold matrix list` shows the rule ids"


def test_a_python_condition_must_be_a_specifier() -> None:
    with pytest.raises(UserError, match="is not a PEP 440 specifier"):
        rules_of(MATRIX_RULE.replace('severity = "error"', 'severity = "error"\npython = "three"'))
    (rule,) = rules_of(MATRIX_RULE)
    assert rule.python is None


def test_pre_releases_count_inside_a_rules_ranges() -> None:
    (rule,) = rules_of(MATRIX_RULE.replace('severity = "error"', 'severity = "error"\npython = ">=3.12"'))
    assert rule.matches(pins(diffusers="0.27.2", huggingface_hub="0.27.0rc1")) is not None
    target = PinSet(
        {"diffusers": (Version("0.27.2"),), "huggingface-hub": (Version("0.26.0"),)}, "env", python=Version("3.13.0rc1")
    )
    assert rule.matches(target) is not None


def test_overlap_counts_pre_releases() -> None:
    from packaging.specifiers import SpecifierSet

    from hfscaffold.ranges import specifiers_overlap

    assert specifiers_overlap(SpecifierSet("==2.0rc1"), SpecifierSet(">=1.0"))
    assert specifiers_overlap(SpecifierSet(">=1.0"), SpecifierSet("==2.0rc1"))


def test_the_shortest_texts_a_rule_accepts() -> None:
    text = re.sub(r"^summary = .*$", 'summary = "ten chars!"', MATRIX_RULE, flags=re.MULTILINE)
    text = re.sub(r"^symptom = .*$", 'symptom = "Error"', text, flags=re.MULTILINE)
    text = re.sub(r"^probe = .*$", 'probe = "1 + 1"', text, flags=re.MULTILINE)
    assert len(rules_of(text)) == 1


def test_a_fix_may_not_ask_for_a_package_to_be_absent() -> None:
    with pytest.raises(UserError, match="is not a PEP 440 specifier"):
        rules_of(
            MATRIX_RULE.replace(
                'alternative = { huggingface-hub = "<0.26" }', 'alternative = { huggingface-hub = "absent" }'
            )
        )


def test_a_rule_file_is_made_by_field_name_or_by_the_files_key() -> None:
    from hfscaffold.matrix import RuleFileModel, RuleModel

    (rule,) = rules_of(MATRIX_RULE)
    model = RuleModel.model_validate(rule.as_json())
    assert (
        len(RuleFileModel(rules=(model,)).rules)
        == len(RuleFileModel.model_validate({"rule": [rule.as_json()]}).rules)
        == 1
    )


def test_project_names_are_limited_to_100_characters() -> None:
    from hfscaffold.naming import validate_project_name

    assert validate_project_name("a" * 100) == "a" * 100
    with pytest.raises(UserError) as info:
        validate_project_name("b" * 101)
    assert info.value.message == f"project name {'b' * 40!r}... is 101 characters long"
    assert info.value.hint == "use at most 100 characters"


@pytest.mark.parametrize(("name", "reserved"), [("com9", True), ("lpt9.x", True), ("com10", False), ("lpt10", False)])
def test_windows_device_names_stop_at_9(name: str, reserved: bool) -> None:
    from hfscaffold.naming import validate_project_name

    if reserved:
        with pytest.raises(UserError, match="reserved device name"):
            validate_project_name(name)
    else:
        assert validate_project_name(name) == name


def test_settings_are_frozen_and_their_tables_refuse_unknown_keys() -> None:
    from dataclasses import FrozenInstanceError

    from hfscaffold.settings import Settings, parse_settings

    settings = parse_settings({"cooldown": "3 days"}, source="pyproject.toml")
    with pytest.raises(FrozenInstanceError):
        settings.cooldown = "1 day"  # type: ignore[misc]
    assert Settings(torch_backend="cpu").torch_backend == "cpu"  # fields by their Python names too
    with pytest.raises(FrozenInstanceError):
        settings.verified = None  # type: ignore[misc]
    with pytest.raises(UserError) as info:
        parse_settings({"verified": {"lock": "x", "imprts": "y"}}, source="pyproject.toml")
    # a nested key is not a setting of [tool.hfscaffold]: the message names where it is
    assert info.value.message.startswith("pyproject.toml: [tool.hfscaffold] verified.imprts: ")
    assert info.value.hint == "see the README for the settings"


def test_settings_errors_quote_at_most_a_little_of_the_input() -> None:
    from hfscaffold.settings import parse_settings

    with pytest.raises(UserError) as info:
        parse_settings({"k" * 61: 1}, source="p")
    assert info.value.message == f"p: [tool.hfscaffold] has no setting {'k' * 60!r}... (61 characters)"
    with pytest.raises(UserError) as info:
        parse_settings({"verified": {"x" * 61: 1}}, source="p")
    assert f"verified.{'x' * 60}:" in info.value.message and "x" * 61 not in info.value.message
    with pytest.raises(UserError) as info:
        parse_settings({"cooldown": ["a"] * 300}, source="p")
    assert len(info.value.message) <= len("p: [tool.hfscaffold] cooldown: ") + 200


def test_the_verified_record_is_frozen() -> None:
    from dataclasses import FrozenInstanceError

    from hfscaffold.settings import parse_settings

    settings = parse_settings({"verified": {"lock": "abc"}}, source="pyproject.toml")
    assert settings.verified is not None
    with pytest.raises(FrozenInstanceError):
        settings.verified.lock = "other"  # type: ignore[misc]


def _validation_error(data: object):  # type: ignore[no-untyped-def]
    from pydantic import BaseModel, ValidationError

    class Item(BaseModel):
        id: str
        count: int

    class Doc(BaseModel):
        item: list[Item]

    try:
        Doc.model_validate(data)
    except ValidationError as exc:
        return exc
    raise AssertionError("expected a validation error")


def test_validation_errors_name_the_entry_by_its_id_cut_short() -> None:
    from hfscaffold.validation import describe_validation_error

    data = {"item": [{"id": "ok", "count": 1}, {"id": "x" * 70, "count": "many"}]}
    message = describe_validation_error("f.toml", _validation_error(data), data)
    assert message.startswith(f"f.toml: item[1] ({'x' * 60}).count: ")


def test_validation_errors_list_five_problems_then_count_the_rest() -> None:
    from hfscaffold.validation import describe_validation_error

    five = {"item": [{"id": str(i), "count": "no"} for i in range(5)]}
    assert len(describe_validation_error("f", _validation_error(five), five).splitlines()) == 5
    six = {"item": [{"id": str(i), "count": "no"} for i in range(6)]}
    lines = describe_validation_error("f", _validation_error(six), six).splitlines()
    assert len(lines) == 6 and lines[-1] == "... and 1 more problems"


def test_a_long_validation_message_is_cut_at_200_characters() -> None:
    from hfscaffold.validation import _short

    assert _short("a" * 200) == "a" * 200
    assert _short("a" * 201) == "a" * 200 + "..."


def test_an_unknown_top_level_key_is_named_plainly() -> None:
    from hfscaffold.validation import _entry_label

    assert _entry_label({"k" * 70: 1}, ("k" * 70,)) == "k" * 60
    assert _entry_label([{"name": "n"}], (0, "field")) == "[0] (n).field"
    assert _entry_label({}, ()) == "(top level)"


def test_new_pins_what_every_dependency_group_names() -> None:
    """`new` pins the dependency groups' tools too (pytest, the demo's playwright, a template's own)."""
    from hfscaffold.pyproject import group_requirement_names, pin_requirements

    text = '[project]\nname = "x"\ndependencies = []\n\n[dependency-groups]\ndev = ["pytest", "Playwright>=1"]\ndocs = ["mkdocs"]\n'
    names = group_requirement_names(text)
    assert names == ["pytest", "playwright", "mkdocs"]
    pinned = pin_requirements(text, dict.fromkeys(names, "1.0"))
    assert '"Playwright==1.0"' in pinned and '"mkdocs==1.0"' in pinned
