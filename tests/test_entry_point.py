"""The installed entry point: console script, python -m, pipes, signals, lazy imports."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

ENV = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}


def test_console_script_explains(script_runner: Any, tmp_path: Path) -> None:
    r = script_runner.run(["smtpcodes", "explain", "5.7.26", "--json"], cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)[0]["title"] == "Multiple authentication checks failed"


def test_python_dash_m(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "smtpcodes", "explain", "550", "--format", "plain"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=ENV,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("550\t550\t-\tpermanent")


def test_stdin_through_a_real_pipe() -> None:
    r = subprocess.run(
        ["smtpcodes", "explain", "--json"],
        input="451 4.7.1 greylisted\n",
        capture_output=True,
        text=True,
        env=ENV,
    )
    assert r.returncode == 0, r.stderr
    (item,) = json.loads(r.stdout)
    assert item["enhanced_code"] == "4.7.1"


def test_closed_pipe_exits_quietly() -> None:
    r = subprocess.run(
        "smtpcodes list --format plain | head -1",
        shell=True,
        capture_output=True,
        text=True,
        env=ENV,
    )
    assert r.returncode == 0
    assert len(r.stdout.splitlines()) == 1
    assert r.stderr == ""


def test_closed_pipe_status_of_smtpcodes_itself() -> None:
    proc = subprocess.Popen(
        ["smtpcodes", "list", "--kind", "rule", "--kind", "enhanced", "--format", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=ENV,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read()
    # 141 (128 + SIGPIPE, as a C tool) when a write fails; 0 when the kernel's pipe buffer took
    # everything before the reader left (pipes here can hold a megabyte)
    assert proc.wait(timeout=30) in (0, 141)
    assert b"Traceback" not in err and b"Broken pipe" not in err


def test_ctrl_c_exits_130_without_traceback() -> None:
    proc = subprocess.Popen(
        ["smtpcodes", "explain", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=ENV,
    )
    time.sleep(1.0)  # let it start and block on stdin
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert b"Traceback" not in err


@pytest.mark.parametrize("fmt", ["json", "plain", "jsonl"])
def test_plain_and_json_never_import_rich(fmt: str) -> None:
    code = (
        "import sys\n"
        "from smtpcodes.cli import run\n"
        f"run(['explain', '5.7.26', '--format', '{fmt}'])\n"
        f"run(['search', 'DKIM', '--format', '{fmt}'])\n"
        f"run(['list', '--format', '{fmt}'])\n"
        "run(['explain', '550 5.1.1 user unknown', '--json'])\n"
        "assert not [m for m in sys.modules if m.startswith('rich')], 'rich was imported'\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV)
    assert r.returncode == 0, r.stderr


def test_bare_code_lookup_compiles_no_provider_patterns() -> None:
    code = (
        "import sys\n"
        "from smtpcodes.cli import run\n"
        "run(['explain', '5.7.26', '--format', 'json'])\n"
        "from smtpcodes import kb\n"
        "assert not kb.patterns_compiled(), 'provider patterns were compiled for a bare code'\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV)
    assert r.returncode == 0, r.stderr


def test_completion_offers_codes_with_titles() -> None:
    env = {
        **ENV,
        "_SMTPCODES_COMPLETE": "zsh_complete",
        "COMP_WORDS": "smtpcodes explain 5.7.2",
        "COMP_CWORD": "2",
    }
    r = subprocess.run(["smtpcodes"], capture_output=True, text=True, env=env)
    lines = r.stdout.splitlines()
    assert "5.7.26" in lines
    assert "Multiple authentication checks failed" in lines
