"""Every example case reference shown to people (API docs, CLI help, guide) is a valid one."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import BaseModel
from typer.testing import CliRunner

import shared.schemas.asylum as schemas
from carrots.commands.asylum import app
from services.asylum.cases import references
from services.asylum.cases.references import parse_case_reference

# Four groups of four letters or digits, separated by a dash or a space, holding at least one digit.
_LOOKS_LIKE_A_REFERENCE = re.compile(r"(?<![\w-])[0-9A-Za-z]{4}(?:[- ][0-9A-Za-z]{4}){3}(?![\w-])")
README = Path(references.__file__).parents[1] / "README.md"


def find_example_references(text: str) -> list[str]:
    """The reference-shaped strings in `text`."""
    return [m for m in _LOOKS_LIKE_A_REFERENCE.findall(text) if any(c.isdigit() for c in m)]


def schema_texts() -> str:
    models = [m for _, m in inspect.getmembers(schemas, inspect.isclass) if issubclass(m, BaseModel)]
    return "\n".join(
        str(m.model_json_schema())
        for m in models
        if m.__module__.startswith(schemas.__name__ + ".") or m.__module__ == schemas.__name__
    )


def cli_help_text() -> str:
    result = CliRunner().invoke(app, ["check-reference", "--help"], env={"COLUMNS": "300", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize(
    ("source", "read"),
    [
        ("the wire schemas", schema_texts),
        ("the CLI help", cli_help_text),
        ("the references module", lambda: references.__doc__ or ""),
        ("the service guide", lambda: README.read_text(encoding="utf-8")),
    ],
)
def test_every_example_reference_parses(source: str, read: Callable[[], str]) -> None:
    examples = find_example_references(read())
    assert examples, f"{source} shows no example reference any more; update this test"
    for example in examples:
        parse_case_reference(example)


def test_the_example_finder_sees_a_mistyped_reference() -> None:
    assert find_example_references("e.g. `7KQ2-M9XD-4PZA-RT0C` or 'j3n7 bayn fiks g5p2'; XXXX-XXXX-XXXX") == [
        "7KQ2-M9XD-4PZA-RT0C",
        "j3n7 bayn fiks g5p2",
    ]
