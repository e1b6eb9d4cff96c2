"""Rule files in, rule sets out: each file validated once, then loaded from a compiled index.

The schema (matrix.py, pydantic) is the validator, and it runs when a file's content is new:
what it accepts is compiled (knowledge.compile_rules) into the user's cache folder by the
content's hash, or for the built-in rules by their files' stamps (adapters/validated.py), so
later loads import no pydantic and build only the rules a pin set names. A malformed file is
reported as the schema reports it, and never cached.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

from hfscaffold.adapters.validated import validated_once, validated_own_files
from hfscaffold.errors import UserError
from hfscaffold.knowledge import COMPILED_FORMAT, RuleSet, compile_rules, load_compiled

_BUILTIN_SOURCE = "hfscaffold/data/rules.toml"
_MINED_SOURCE = "hfscaffold/data/mined.toml"


def builtin_rule_file() -> Path:
    """The curated rules, beside this package's modules (importlib.resources says the same, at more cost)."""
    return Path(__file__).resolve().parents[1] / "data" / "rules.toml"


def _load(data: bytes, path: Path) -> RuleSet:
    return load_compiled(data, str(path))


def _schema() -> list[Path]:
    """The modules whose change changes what a rule file compiles to."""
    package = Path(__file__).resolve().parents[1]
    return [package / "knowledge.py", package / "ranges.py", package / "matrix.py"]


@cache
def builtin_rules() -> RuleSet:
    """The curated rules and the mined findings (a curated rule covering a mined one stands alone).

    They are the package's own files, so the compiled index is kept by their stamps, not a hash
    of their bytes (adapters/validated.validated_own_files)."""
    curated_file = builtin_rule_file()
    mined_file = curated_file.with_name("mined.toml")
    mined_present = mined_file.is_file()

    def validate() -> RuleSet:
        from hfscaffold.matrix import parse_rules, with_mined

        rules = parse_rules(curated_file.read_text(encoding="utf-8"), source=_BUILTIN_SOURCE)
        if not mined_present:
            return rules
        return with_mined(rules, parse_rules(mined_file.read_text(encoding="utf-8"), source=_MINED_SOURCE))

    files = [curated_file, *([mined_file] if mined_present else []), *_schema()]
    return validated_own_files("knowledge", files, validate, dump=compile_rules, load=_load, form=COMPILED_FORMAT)


def rule_file(path: Path) -> RuleSet:
    """A user's rule file, validated on first sight of its content."""
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise UserError(
            f"cannot read rule file {path}: {exc.strerror}", hint="check the path given to --rules"
        ) from None
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise UserError(
            f"{path}: not UTF-8 text, so not a rule file",
            hint="rule files are TOML; check the path given to --rules",
        ) from None

    def validate() -> RuleSet:
        from hfscaffold.matrix import parse_rules

        return parse_rules(text, source=str(path))

    return validated_once(
        "knowledge", [content], validate, dump=compile_rules, load=_load, form=COMPILED_FORMAT, schema=_schema()
    )


def load_rules(extra: Iterable[Path] = ()) -> RuleSet:
    """The built-in rules plus the user's rule files."""
    rules = builtin_rules()
    for path in extra:
        rules = rules.merged(rule_file(path), source=str(path))
    return rules
