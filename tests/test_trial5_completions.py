"""Completion of --class and --subject (fifth trial: they offered nothing), in every shell."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

COMPLETIONS = Path(__file__).resolve().parents[1] / "completions"
SMTPCODES = shutil.which("smtpcodes")
pytestmark = pytest.mark.skipif(SMTPCODES is None, reason="needs the installed script")

CLASSES = ["2", "3", "4", "5", "success", "intermediate", "transient", "permanent"]
SUBJECTS = [str(n) for n in range(8)]


def _complete(shell: str, words: str, cword: str) -> list[str]:
    """What Click answers the generated script of `shell`, as (type, value[, help]) lines."""
    env = {
        **os.environ,
        "COMP_WORDS": words,
        "COMP_CWORD": cword,
        "_SMTPCODES_COMPLETE": f"{shell}_complete",
    }
    r = subprocess.run([str(SMTPCODES)], env=env, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return r.stdout.splitlines()


@pytest.mark.parametrize("command", ["search", "list"])
def test_bash_completes_class_and_subject(command: str) -> None:
    got = _complete("bash", f"smtpcodes {command} --class ", "3")
    assert got == [f"plain,{c}" for c in CLASSES]
    got = _complete("bash", f"smtpcodes {command} --class tr", "3")
    assert got == ["plain,transient"]
    got = _complete("bash", f"smtpcodes {command} --subject ", "3")
    assert got == [f"plain,{s}" for s in SUBJECTS]


def test_zsh_and_fish_show_what_each_value_means() -> None:
    zsh = _complete("zsh", "smtpcodes list --subject 7", "3")
    assert zsh == ["plain", "7", "Security or Policy Status"]
    fish = _complete("fish", "smtpcodes search --class p", "p")
    assert fish == ["plain,permanent\t5xx, 5.x.x"]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_the_bash_script_itself_offers_them() -> None:
    script = (
        f"source {COMPLETIONS / 'smtpcodes.bash'}\n"
        "COMP_WORDS=(smtpcodes search --class '')\n"
        "COMP_CWORD=3\n"
        "_smtpcodes_completion smtpcodes\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
        "COMPREPLY=()\n"
        "COMP_WORDS=(smtpcodes list --subject '')\n"
        "_smtpcodes_completion smtpcodes\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    r = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == CLASSES + SUBJECTS
