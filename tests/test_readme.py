"""The README is the user's manual: keep it in step with the code."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

from hardening.estate import Policy
from hardening.registry import discover

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()
CI = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text()


def test_first_lines_are_the_two_setup_commands_and_ci_runs_the_second() -> None:
    block = re.search(r"```sh\n(.*?)\n```", README, re.S)
    assert block is not None and README.index(block.group(0)) < 40
    install, tests = block.group(1).splitlines()
    assert "hardening scan --demo" in install
    assert "pytest" in tests
    assert tests in CI


def test_every_check_is_in_the_catalogue_table() -> None:
    for cid in discover().checks:
        assert f"| `{cid}` |" in README, f"{cid} missing from the README's check table"


def test_every_policy_field_has_a_documented_default() -> None:
    for f in fields(Policy):
        assert f"| `{f.name}` |" in README, f"policy field {f.name} missing from the README"
