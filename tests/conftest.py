"""Shared fixtures: a pinned environment and a way to run the CLI in-process."""

from __future__ import annotations

import importlib.util
import io
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

from smtpcodes.cli import Environment, run

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus" / "set-of-emails"


@pytest.fixture(autouse=True)
def pinned_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Output must not depend on the developer's terminal."""
    for name in ("NO_COLOR", "FORCE_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("LINES", "40")
    monkeypatch.setenv("TERM", "xterm-256color")


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


Invoke = Callable[..., Result]


@pytest.fixture
def invoke(monkeypatch: pytest.MonkeyPatch) -> Iterator[Invoke]:
    """Run the CLI in-process: stdin bytes or text, TTY facts, stdout and stderr kept apart."""

    def _invoke(
        *args: str,
        input: bytes | str | None = None,
        stdin_tty: bool | None = None,
        stdout_tty: bool = False,
    ) -> Result:
        data = input.encode("utf-8") if isinstance(input, str) else input
        out, err = io.StringIO(), io.StringIO()
        monkeypatch.setattr(sys, "stderr", err)
        monkeypatch.setattr(sys, "stdout", out)  # Click writes --help and --version there
        env = Environment(
            stdin=io.BytesIO(data or b""),
            stdout=out,
            stderr=err,
            stdin_isatty=(data is None) if stdin_tty is None else stdin_tty,
            stdout_isatty=stdout_tty,
        )
        code = run(list(args), env)
        return Result(int(code), out.getvalue(), err.getvalue())

    yield _invoke


def corpus_or_skip() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not present")
    return CORPUS


def benchmark(name: str) -> ModuleType:
    """benchmarks/NAME.py as a module (the benchmarks are scripts, not a package), loaded once."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, REPO / "benchmarks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # their dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def gen_logs() -> ModuleType:
    return benchmark("gen_logs")


def dsn_email(fields: str, text: str = "Your message could not be delivered.") -> str:
    """A delivery status notification (RFC 3464) from a mailer daemon: `text` as its
    human-readable part, `fields` (per-recipient DSN fields) after a Reporting-MTA group."""
    return (
        "From: MAILER-DAEMON@mx.example.net\nTo: sender@example.org\nSubject: Delivery Status "
        "Notification\nMIME-Version: 1.0\nContent-Type: multipart/report; "
        'report-type=delivery-status; boundary="B"\n\n--B\nContent-Type: text/plain\n\n'
        f"{text}\n\n--B\nContent-Type: message/delivery-status\n\n"
        f"Reporting-MTA: dns; mx.example.net\n\n{fields}\n--B--\n"
    )
