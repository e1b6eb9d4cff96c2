from __future__ import annotations

import pytest

from hfscaffold.errors import UserError
from hfscaffold.naming import package_name, validate_project_name


@pytest.mark.parametrize(
    ("name", "package"),
    [("my-bert-project", "my_bert_project"), ("Demo.App", "demo_app"), ("x", "x"), ("a_b-c", "a_b_c")],
)
def test_valid_names_give_an_import_package(name: str, package: str) -> None:
    assert validate_project_name(name) == name
    assert package_name(name) == package


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../x", "is a path"),
        ("a/b", "is a path"),
        ("..", "is a path"),
        ("~x", "is a path"),
        ("a\\b", "is a path"),
        ("-x", "not a valid"),
        ("x-", "not a valid"),
        ("my project", "not a valid"),
        ("1bert", "no importable package"),
        ("class", "no importable package"),
    ],
)
def test_bad_names_are_refused_with_the_reason(name: str, reason: str) -> None:
    with pytest.raises(UserError, match=reason):
        validate_project_name(name)


def test_a_project_cannot_share_a_dependencys_name() -> None:
    with pytest.raises(UserError, match="cannot depend on the package of the same name"):
        validate_project_name("Transformers", dependencies={"transformers"})
