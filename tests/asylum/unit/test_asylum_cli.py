"""`carrots asylum` commands."""

from __future__ import annotations

from typer.testing import CliRunner

from carrots.commands.asylum import app
from services.asylum.cases.references import format_case_reference, generate_case_reference

runner = CliRunner()


def test_a_reference_read_over_the_phone_is_printed_back_in_its_groups() -> None:
    printed = format_case_reference(generate_case_reference())
    spoken = printed.lower().replace("-", " ").replace("0", "o")
    result = runner.invoke(app, ["check-reference", spoken])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == printed


def test_a_mistyped_reference_is_rejected_with_the_reason() -> None:
    printed = format_case_reference(generate_case_reference())
    typo = printed[:-1] + ("1" if printed[-1] != "1" else "2")
    result = runner.invoke(app, ["check-reference", typo])
    assert result.exit_code == 1
    assert "check character" in result.output


def test_hashing_is_timed_with_the_given_parameters() -> None:
    result = runner.invoke(
        app, ["time-hashing", "--time-cost", "1", "--memory-kib", "8", "--parallelism", "1", "--rounds", "3"]
    )
    assert result.exit_code == 0, result.output
    assert "median" in result.output
    assert "m=8 KiB" in result.output
