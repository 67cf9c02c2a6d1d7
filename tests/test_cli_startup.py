"""The command line as a process starts it: only the command the first word names is built, and it is the same
command (its help, its errors, its run) as in the whole group."""

from __future__ import annotations

import pathlib

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from extractor.cli.app import app

from .conftest import GOLD

NAMES = sorted(get_command(app).commands)  # type: ignore[attr-defined]


def test_every_command_and_group_is_found_by_its_name():
    assert {"run", "show", "eval", "review", "export", "check", "version"} <= set(NAMES)
    for name in NAMES:
        one = app.only(name)
        assert one is not None
        assert sorted(get_command(one).commands) == [name]  # type: ignore[attr-defined]
    assert app.only("runn") is None and app.only("--help") is None


@pytest.mark.parametrize("name", NAMES)
def test_a_command_alone_says_what_it_says_in_the_group(name):
    runner = CliRunner()
    one = app.only(name)
    assert one is not None
    for args in ([name, "--help"], [name, "--no-such-option"]):
        whole, alone = runner.invoke(app, args, prog_name="extractor"), runner.invoke(one, args, prog_name="extractor")
        assert (alone.exit_code, alone.output) == (whole.exit_code, whole.output), args


def test_a_run_through_the_command_alone(tmp_path):
    report = sorted(pathlib.Path(GOLD, "seed", "reports").glob("*.txt"))[0]
    args = ["run", str(report), "--out", str(tmp_path / "out"), "--db", str(tmp_path / "run.db"), "--backend", "rules",
            "--no-progress"]
    got = CliRunner().invoke(app.only("run"), args, prog_name="extractor")  # type: ignore[arg-type]
    assert got.exit_code == 0, got.output
    assert "reports done: 1" in got.output
    assert (tmp_path / "out" / "results.jsonl").read_text(encoding="utf-8").count("\n") == 1
