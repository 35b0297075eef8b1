"""Hostile and broken input at every entry point: nothing breaks, nothing leaks (issue 5).

Property tests (Hypothesis) drive the CLI in process with random Unicode, control characters,
invalid UTF-8, NUL bytes, long lines, nested and truncated MIME and huge headers, through the
arguments, stdin and files of explain, validate, search, list and scan, and the library readers
directly. Whatever the input: no traceback, exit 0, 1 or 2 with grep's meaning, every stderr
message one line starting "smtpcodes: ", and no character that could drive a terminal in any
output. SMTPCODES_FUZZ_EXAMPLES sets the examples per property (default 25; the suite stays
fast); run a larger count with e.g. SMTPCODES_FUZZ_EXAMPLES=2000 pytest tests/test_hostile.py.

Then the regular expressions: every reader gets the adversarial 1 MB inputs of
benchmarks/adversarial.py with a generous time bound (a super-linear pattern takes minutes); and
the encodings: RFC 2047 words, 8-bit headers, SMTPUTF8 replies, Latin-1 and Shift_JIS bounces.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import benchmark
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smtpcodes import kb
from smtpcodes.bounce import parse_message
from smtpcodes.cli import Environment, run
from smtpcodes.codes import find_codes
from smtpcodes.diagnose import diagnose
from smtpcodes.parse import parse_log_line, parse_text
from smtpcodes.validate import validate, validate_lines

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus" / "set-of-emails"

EXAMPLES = int(os.environ.get("SMTPCODES_FUZZ_EXAMPLES", "25"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- running the CLI ----------------------------------------------------------------------------


@dataclass
class Ran:
    status: int
    out: str
    err: str
    warnings: list[str]  # what Python's warnings module would have printed on stderr


def cli(args: list[str], stdin: bytes | None = None, *, stdout_tty: bool = False) -> Ran:
    """The CLI in process, without pytest's function-scoped fixtures (Hypothesis reruns it)."""
    out, err = io.StringIO(), io.StringIO()
    env = Environment(
        stdin=io.BytesIO(stdin or b""),
        stdout=out,
        stderr=err,
        stdin_isatty=stdin is None,
        stdout_isatty=stdout_tty,
    )
    with (
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always")
        status = run(args, env)
    shown = [f"{w.category.__name__}: {w.message}" for w in caught if _shown(w.category)]
    return Ran(int(status), out.getvalue(), err.getvalue(), shown)


def _shown(category: type[Warning]) -> bool:
    """Whether Python's default filters print this warning (outside __main__)."""
    quiet = (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning)
    return not issubclass(category, quiet)


# Anything that can drive a terminal: C0 but tab and newline, DEL, C1, line and paragraph
# separators, bidi overrides and isolates, lone surrogates.
UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def check(ran: Ran, fmt: str | None = None, columns: int | None = None) -> None:
    """What must hold whatever the input was."""
    assert ran.status in (0, 1, 2), (ran.status, ran.err)
    assert not ran.warnings, ran.warnings  # a warning is lines on stderr that are not ours
    assert "Traceback" not in ran.err and "internal error" not in ran.err, ran.err
    # A bare `smtpcodes` prints its help to stderr (a usage error, exit 2); anything else on
    # stderr is our one-line messages.
    if not ran.err.startswith("Usage: smtpcodes [OPTIONS] COMMAND [ARGS]..."):
        for line in ran.err.splitlines():
            assert line.startswith("smtpcodes: "), ran.err
    assert UNSAFE.search(ran.err) is None, ran.err
    assert UNSAFE.search(ran.out) is None, ran.out
    assert "\t" not in ran.err
    if fmt in ("json", "jsonl") and ran.out:
        for doc in [ran.out] if fmt == "json" else ran.out.splitlines():
            json.loads(doc)
    if fmt == "plain" and columns is not None:
        for line in ran.out.splitlines():
            assert line.count("\t") == columns - 1, line


# --- strategies ---------------------------------------------------------------------------------

# Pieces of SMTP, logs and MIME, terminal escapes and markup, and characters that break naive code.
PIECES = [
    "550",
    "550-",
    "550 ",
    "421 4.7.0 ",
    "5.1.1",
    "X.7.26",
    "#5.7.1",
    "(#4.4.1)",
    "5.5.5.5.",
    "999",
    "0.0.0",
    "RCPT TO:<a@example.com>",
    "<a@example.com>",
    "a@",
    '"a b"@example.com',
    "host mx.example.com[192.0.2.1] said: ",
    "(in reply to RCPT TO command)",
    ">>> ",
    "<<< ",
    "... ",
    "while talking to mx.example.com.:",
    "Remote Server returned '",
    "The response was:",
    "status=bounced (",
    "to=<",
    "dsn=5.1.1, ",
    "stat=Deferred: ",
    " ** ",
    "Nov 20 10:00:01 mx postfix/smtp[1]: 4BxyzQ: ",
    "2026-11-20 10:00:01 1abcDE-000123-AB ",
    "Final-Recipient: rfc822; ",
    "Diagnostic-Code: smtp; ",
    "Status: 5.1.1",
    "Action: failed",
    "Content-Type: multipart/report; boundary=b",
    "Content-Transfer-Encoding: base64",
    "--b",
    "--b--",
    "From MAILER-DAEMON Thu Nov 20 10:00:01 2026",
    "Subject: Undelivered Mail Returned to Sender",
    "=?utf-8?q?",
    "=?iso-2022-jp?b?GyRCJUYlOSVIGyhC?=",
    "=?x-unknown?q?=FF?=",
    "?=",
    "\r\n",
    "\n",
    "\r",
    "\t",
    " ",
    "\n\n",
    "\x00",
    "\x1b[31m",
    "\x1b[2J",
    "\x1b]8;;http://evil.example/\x07",
    "\x1b]0;title\x07",
    "\x07",
    "\x08",
    "\x9b",
    "\x7f",
    "[red]",
    "[/x]",
    "[link=http://evil.example/]",
    "[bold]",
    "\u202e",
    "\u2028",
    "\u2066",
    "\ufeff",
    "\u200b",
    "é",
    "日本語",
    "ﾃｽﾄ",
    "\U0001f4e7",
    "{",
    '"notificationType"',
    "<br>",
    "<",
    "(",
    "\\",
]

piece_text = st.lists(st.sampled_from(PIECES) | st.text(max_size=12), max_size=40).map("".join)
any_text = st.one_of(st.text(max_size=300), piece_text)
# Arguments as the OS hands them over: no NUL, undecodable bytes as lone surrogates.
argument = any_text.map(lambda s: s.replace("\x00", "")) | st.binary(max_size=40).map(
    lambda b: b.replace(b"\x00", b"").decode("utf-8", "surrogateescape")
)


def _encode(text: str, codec: str) -> bytes:
    return text.encode(codec, "replace")


any_bytes = st.one_of(
    st.binary(max_size=2000),
    st.builds(_encode, any_text, st.sampled_from(["utf-8", "latin-1", "shift_jis", "utf-16"])),
    st.lists(st.sampled_from(PIECES).map(lambda p: p.encode("utf-8")) | st.binary(max_size=8)).map(
        b"".join
    ),
)


@st.composite
def mime(draw: st.DrawFn, depth: int = 0) -> bytes:
    """A MIME entity, possibly multipart, nested, truncated, mis-encoded or with huge headers."""
    headers = []
    ctype = draw(
        st.sampled_from(
            [
                "text/plain",
                "text/html",
                "message/delivery-status",
                "message/global-delivery-status",
                "message/rfc822",
                "text/rfc822-headers",
                "message/feedback-report",
                "application/octet-stream",
                "multipart/report; report-type=delivery-status",
                "multipart/mixed",
                "multipart/alternative",
                "bogus",
            ]
        )
    )
    boundary = draw(st.sampled_from(["b", "b1", "=_x", "", '"q b"', "-" * 70]))
    charset = draw(st.sampled_from(["utf-8", "iso-8859-1", "shift_jis", "iso-2022-jp", "x-no"]))
    multipart = ctype.startswith("multipart/") and depth < 6
    params = f"; boundary={boundary}" if multipart else f"; charset={charset}"
    headers.append(f"Content-Type: {ctype}{params}")
    cte = draw(st.sampled_from(["", "base64", "quoted-printable", "8bit", "x-weird"]))
    if cte:
        headers.append(f"Content-Transfer-Encoding: {cte}")
    if draw(st.booleans()):
        headers.append("Subject: " + draw(any_text))
    if draw(st.integers(0, 9)) == 0:
        headers.append("X-Folded: x" + "\n y" * draw(st.integers(1, 3000)))
    if draw(st.integers(0, 9)) == 0:
        headers.append("X-Long: " + "=?utf-8?q?a?= " * draw(st.integers(1, 3000)))
    head = "\n".join(headers).encode("utf-8", "replace")
    if multipart:
        children = draw(st.lists(mime(depth + 1), max_size=4))
        delim = b"--" + boundary.strip('"').encode()
        body = b"".join(delim + b"\n" + child + b"\n" for child in children)
        if draw(st.booleans()):
            body += delim + b"--\n"
    else:
        text = draw(any_text).encode(charset if charset != "x-no" else "utf-8", "replace")
        body = text
        if cte == "base64":
            import base64

            body = base64.encodebytes(text)
            if draw(st.booleans()):
                body = body[: draw(st.integers(0, len(body)))] + b"!*"
        elif cte == "quoted-printable":
            import quopri

            body = quopri.encodestring(text) + draw(st.sampled_from([b"", b"=", b"=Z"]))
        elif draw(st.booleans()):
            body = draw(any_bytes)
    entity = head + b"\n\n" + body
    if draw(st.integers(0, 4)) == 0:
        entity = entity[: draw(st.integers(0, len(entity)))]  # truncated mid-way
    return entity


emails = st.builds(
    lambda top, entity: top + entity,
    st.sampled_from(
        [
            b"",
            b"From: MAILER-DAEMON@example.org\nSubject: Undelivered Mail\n",
            b"From MAILER-DAEMON Thu Nov 20 10:00:01 2026\nFrom: postmaster@example.org\n",
            b"Return-Path: <>\nAuto-Submitted: auto-replied\nX-Failed-Recipients: a@example.com\n",
        ]
    ),
    mime(),
)

FORMATS = ["plain", "json", "jsonl", "table"]
EXPLAIN_COLUMNS = 10  # input ... title, recipient, location

# --- the CLI, property by property --------------------------------------------------------------


@FUZZ
@given(st.lists(argument, min_size=1, max_size=4), st.sampled_from(FORMATS))
def test_explain_arguments(args: list[str], fmt: str) -> None:
    check(cli(["explain", "--format", fmt, "--", *args]), fmt, EXPLAIN_COLUMNS)


@FUZZ
@given(
    any_bytes | emails,
    st.sampled_from(["auto", "codes", "reply", "log", "email"]),
    st.sampled_from(FORMATS),
)
def test_explain_stdin(data: bytes, kind: str, fmt: str) -> None:
    check(cli(["explain", "-", "--as", kind, "--format", fmt], data), fmt, EXPLAIN_COLUMNS)


@FUZZ
@given(emails | any_bytes, st.sampled_from(["auto", "email", "log"]), st.sampled_from(FORMATS))
def test_explain_file(data: bytes, kind: str, fmt: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "bounce.eml")
        path.write_bytes(data)
        check(cli(["explain", "-f", str(path), "--as", kind, "--format", fmt]), fmt, 10)


@FUZZ
@given(st.lists(emails, min_size=1, max_size=5), st.sampled_from(FORMATS))
def test_explain_mbox_and_maildir(messages: list[bytes], fmt: str) -> None:
    mbox = b"".join(
        b"From MAILER-DAEMON Thu Nov 20 10:00:01 2026\n" + m + b"\n\n" for m in messages
    )
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "box.mbox").write_bytes(mbox)
        new = Path(folder, "maildir", "new")
        new.mkdir(parents=True)
        for i, message in enumerate(messages):
            (new / f"{i}.eml").write_bytes(message)
        for target in ("box.mbox", "maildir"):
            check(cli(["explain", "-f", str(Path(folder, target)), "--format", fmt]), fmt, 10)


@FUZZ
@given(
    st.lists(argument, max_size=3),
    any_bytes,
    st.sampled_from([[], ["--lines"]]),
    st.sampled_from(FORMATS),
)
def test_validate(args: list[str], data: bytes, lines: list[str], fmt: str) -> None:
    if args:
        check(cli(["validate", "--format", fmt, "--", *args]), fmt, 5)
    check(cli(["validate", *lines, "--format", fmt, "-"], data), fmt, 5)


@FUZZ
@given(
    argument | st.sampled_from(["[", "(", "a{99999999999}", "(" * 2000, "*", "\\", "(?P<", "a**"]),
    st.lists(st.sampled_from(["-i", "-F", "-w", "-v", "-c", "-l", "-q"]), max_size=3, unique=True),
    st.sampled_from(FORMATS),
)
def test_search_patterns(pattern: str, flags: list[str], fmt: str) -> None:
    ran = cli(["search", *flags, "--format", fmt, "--", pattern])
    check(ran, fmt if not {"-c", "-l"} & set(flags) else None)
    if ran.status == 2:
        assert len(ran.err.splitlines()) == 1


@FUZZ
@given(argument, st.integers(-5, 1000), st.sampled_from(FORMATS))
def test_list_filters(klass: str, subject: int, fmt: str) -> None:
    check(cli(["list", "--class", klass, "--subject", str(subject), "--format", fmt]), fmt)


_TRACKING_FIELDS = (
    "date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,connector-id,"
    "source,event-id,internal-message-id,message-id,network-message-id,recipient-address,"
    "recipient-status,total-bytes,recipient-count"
)


def _csv_cell(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"') else text


@st.composite
def tracking_logs(draw: st.DrawFn) -> bytes:
    """An Exchange message tracking log: its header, then rows of hostile cells, some broken."""
    rows = [
        "\ufeff#Software: Microsoft Exchange Server",
        "#Log-type: Message Tracking Log",
        "#Fields: " + _TRACKING_FIELDS,
    ]
    for _ in range(draw(st.integers(0, 6))):
        event = draw(st.sampled_from(["FAIL", "DEFER", "SEND", "DELIVER", "RECEIVE", "DSN", ""]))
        cells = [draw(any_text.map(_csv_cell)) for _ in range(8)]
        cells += [event, "42", "<m@x>", ""]
        cells += [draw(st.lists(any_text, max_size=3).map(";".join).map(_csv_cell)) for _ in "rs"]
        cells += ["1", "1"]
        row = ",".join(cells)
        if draw(st.booleans()):
            row = row[: draw(st.integers(0, len(row)))]  # a row cut short
        rows.append(row.replace("\n", " ").replace("\r", " "))
    return "\n".join(rows).encode("utf-8", "surrogatepass")


@FUZZ
@given(
    emails | any_bytes | tracking_logs(),
    st.sampled_from(["auto", "log", "exchange", "mbox", "email"]),
)
def test_scan_stdin_and_files(data: bytes, kind: str) -> None:
    ran = cli(["scan", "--as", kind, "-"], data)
    check(ran, "jsonl")
    summary = cli(["scan", "--as", kind, "--summary", "--json", "-"], data)
    check(summary, "json")
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "mail.log").write_bytes(data)
        Path(folder, "sub").mkdir()
        Path(folder, "sub", "x.eml").write_bytes(data)
        check(cli(["scan", "--as", kind, "--format", "plain", folder]), "plain")


def _flipped(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]


@pytest.mark.parametrize(
    "data",
    [
        _flipped(gzip.compress(b"x\n" * 100, mtime=0), 10),  # "invalid code lengths set"
        b"\xfd7zXZ\x00\x00\x00\x00\x00\x00\x00",
    ],
    ids=["gzip", "xz"],
)
def test_scan_corrupt_compressed_input(data: bytes) -> None:
    ran = cli(["scan", "-"], data)
    check(ran)
    assert ran.status == 2 and "cannot read" in ran.err


VOCABULARY = [
    "explain",
    "search",
    "validate",
    "list",
    "scan",
    "-",
    "--",
    "-f",
    "--as",
    "email",
    "--format",
    "json",
    "table",
    "--json",
    "--color",
    "--no-color",
    "--max-bytes",
    "--max-line",
    "--max-parts",
    "--max-items",
    "0",
    "1",
    "64K",
    "-1",
    "1Q",
    "--lines",
    "--kind",
    "rule",
    "--class",
    "--subject",
    "-i",
    "-E",
    "-F",
    "--summary",
    "--bogus",
    "/nonexistent/file",
    "550 5.1.1 user unknown",
]


@FUZZ
@given(st.lists(st.sampled_from(VOCABULARY) | argument, max_size=7), any_bytes)
def test_random_command_lines(argv: list[str], data: bytes) -> None:
    ran = cli(argv, data)
    check(ran)
    if ran.status == 2:
        assert len(ran.err.splitlines()) >= 1


# --- the library readers ------------------------------------------------------------------------


@FUZZ
@given(any_text, st.sampled_from(["auto", "codes", "reply", "log", "email"]))
def test_readers_never_raise_on_text(text: str, kind: str) -> None:
    parse_text(text, kind)
    diagnose(text, kind)
    for line in text.splitlines()[:5]:
        parse_log_line(line)
    validate(text)
    validate_lines(text)
    find_codes(text)
    kb.match_rules(text)


@FUZZ
@given(emails | any_bytes)
def test_parse_message_never_raises(data: bytes) -> None:
    for reply in parse_message(data):
        assert isinstance(reply.text, str)
    diagnose(data, "email")


# --- known cases, kept -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern",
    ["(" * 5000 + ")" * 5000, "a{99999999999}", "x{4294967296}", "[z-a]", "(?P<a>x)(?P=b)", "\\"],
)
def test_search_bad_regex_is_one_line_and_status_2(pattern: str) -> None:
    ran = cli(["search", "--", pattern])
    check(ran)
    assert ran.status == 2
    assert len(ran.err.splitlines()) == 1
    assert "bad regular expression" in ran.err


def test_regex_warnings_are_one_line_of_ours() -> None:
    # re.compile() warns about "[[" through the warnings module: two lines with a source path.
    ran = cli(["search", "-c", "[[:alpha:]]"])
    check(ran)
    assert ran.err == (
        "smtpcodes: warning: regular expression '[[:alpha:]]': Possible nested set at position 1\n"
    )


def test_undecodable_argument_under_a_strict_utf8_stdout() -> None:
    # A terminal whose locale is en_US.UTF-8 gives Python a strict stdout; "\xff" in argv used to
    # travel as a lone surrogate to the output and end in UnicodeEncodeError.
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict", "NO_COLOR": "1"}
    for fmt in ("plain", "json"):
        r = subprocess.run(
            [
                os.fsencode(sys.executable),
                b"-m",
                b"smtpcodes",
                b"explain",
                b"550 \xff user unknown",
                b"--format",
                fmt.encode(),
            ],
            capture_output=True,
            env=env,
        )
        assert r.returncode == 0, r.stderr
        assert b"Traceback" not in r.stderr
        assert "\ufffd".encode() in r.stdout


def test_latin1_terminal_does_not_crash() -> None:
    env = {**os.environ, "PYTHONIOENCODING": "latin-1", "NO_COLOR": "1"}
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "smtpcodes",
            "explain",
            "550 5.1.1 日本 " + "x" * 80,
            "--format",
            "plain",
        ],
        capture_output=True,
        env=env,
    )
    assert r.returncode == 0, r.stderr
    assert b"Traceback" not in r.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
@pytest.mark.parametrize("kind", ["email", "mbox"])
def test_a_pipe_is_read_once(tmp_path: Path, kind: str) -> None:
    # explain -f <(zcat bounce.eml.gz): the mbox check used to read the head and reopen the file.
    import threading

    fixture = "bounces.mbox" if kind == "mbox" else "../parse/dsn.eml"
    data = (REPO / "tests" / "fixtures" / "scan" / fixture).read_bytes()
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)

    def feed() -> None:
        with open(fifo, "wb") as f:
            f.write(data)

    writer = threading.Thread(target=feed)
    writer.start()
    ran = cli(["explain", "-f", str(fifo), "--format", "jsonl"])
    writer.join()
    check(ran, "jsonl")
    assert ran.status == 0 and ran.out.count("\n") >= 2, ran.err


def test_a_bug_is_one_line_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    import smtpcodes.diagnose

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("boom\n\x1b[31mred")

    monkeypatch.setattr(smtpcodes.diagnose, "analyse", broken)
    ran = cli(["explain", "550 user unknown"])
    assert ran.status == 2
    assert ran.err.startswith("smtpcodes: internal error: RuntimeError: boom\\n\\x1b[31mred")
    assert len(ran.err.splitlines()) == 1


# --- regular expressions: adversarial 1 MB inputs -------------------------------------------------


ADVERSARIAL = benchmark("adversarial")
READERS: dict[str, Callable[[str], object]] = ADVERSARIAL.readers()
SIZE = 1_000_000
# Generous: each reading takes well under a second (benchmarks/adversarial.py prints the times);
# a quadratic pattern on a megabyte takes minutes.
BOUND = 20.0
# The inputs issue 5 names, read by every reader; the benchmark has more.
NAMED = ["5.5.5.5.", "550-", "spaces", "<", "(", "a@", "=?utf-8?q?", "CRLF"]
# Inputs that found quadratic behaviour here, and the readers that had it.
FOUND = {
    "spaces": ["codes", "find_codes", "validate"],  # codes._TOKEN's gap
    "reply, prose": ["reply", "message"],  # parse.scan_units joining its context
    "enhanced lines": ["reply"],
    "transcript": ["reply"],
    "folded Diagnostic-Code": ["reply"],  # parse.dsn_groups adding folds to a string
    "folded Subject": ["message"],  # bounce._read_part adding folds to a string
    "encoded words": ["message"],  # email.header.decode_header on a huge field
    "html <": ["message"],  # bounce html_tag scanning 2,000 characters per "<"
}


@pytest.mark.parametrize("name", NAMED)
def test_named_adversarial_inputs_every_reader(name: str) -> None:
    text = ADVERSARIAL.make(name, SIZE)
    for reader_name, reader in READERS.items():
        start = time.perf_counter()
        reader(text)
        took = time.perf_counter() - start
        assert took < BOUND, f"{reader_name} took {took:.1f} s on {name!r}"


@pytest.mark.parametrize(("name", "readers"), FOUND.items())
def test_adversarial_inputs_that_were_quadratic(name: str, readers: list[str]) -> None:
    text = ADVERSARIAL.make(name, SIZE)
    for reader_name in readers:
        start = time.perf_counter()
        READERS[reader_name](text)
        took = time.perf_counter() - start
        assert took < BOUND, f"{reader_name} took {took:.1f} s on {name!r}"


# --- encodings ------------------------------------------------------------------------------------


def _bounce(subject: str, body: bytes, charset: str, extra: str = "") -> bytes:
    head = (
        "From: MAILER-DAEMON@example.org\n"
        f"Subject: {subject}\n{extra}"
        f"Content-Type: text/plain; charset={charset}\n\n"
    )
    return head.encode("ascii") + body


def test_rfc2047_subject_is_decoded_for_detection() -> None:
    # "Undeliverable" in an encoded word: the subject marks the message as a bounce.
    data = _bounce(
        "=?utf-8?B?VW5kZWxpdmVyYWJsZTog?= =?iso-8859-1?q?R=E9ponse?=",
        b"<a@example.com>: mailbox unavailable\n",
        "us-ascii",
    )
    (reply,) = parse_message(data)
    assert reply.recipient == "a@example.com"
    assert reply.message_kind == "bounce"


@pytest.mark.parametrize(
    "subject",
    [
        "=?x-unknown?q?=FF?=",
        "=?utf-8?b?!!!notbase64?=",
        "=?utf-8?q?unterminated",
        "=?iso-2022-jp?b?GyRC?=",
        "=?utf-8?q?" * 5000,
        "=?" * 5000,
    ],
)
def test_broken_encoded_words_never_raise(subject: str) -> None:
    data = _bounce(subject, b"550 5.1.1 <a@example.com>: user unknown\n", "utf-8")
    (reply,) = parse_message(data)
    assert reply.reply_code == "550"


def test_8bit_headers_are_decoded_as_utf8_or_replaced() -> None:
    utf8 = b"From: MAILER-DAEMON@example.org\nSubject: Unzustellbar: Empf\xc3\xa4nger\n\n"
    latin1 = b"From: MAILER-DAEMON@example.org\nSubject: Non remis : r\xe9ponse\n\n"
    body = b"<a@example.com>: 550 5.1.1 user unknown\n"
    for data in (utf8 + body, latin1 + body):
        (reply,) = parse_message(data)
        assert reply.enhanced_code == "5.1.1" and reply.recipient == "a@example.com"


def test_smtputf8_reply() -> None:
    # RFC 6531: an internationalised mailbox in a UTF-8 reply.
    text = "550 5.1.1 <用户@例子.广告>: Recipient address rejected: User unknown"
    (verdict,) = diagnose(text)
    assert verdict.category == "user-unknown"
    assert "用户@例子.广告" in verdict.reply.raw
    ran = cli(["explain", "-", "--format", "json"], text.encode())
    assert ran.status == 0
    assert json.loads(ran.out)[0]["input"] == text
    ran = cli(["explain", "-", "--format", "json"], text.encode("utf-8")[:-3] + b"\xe5\x90")
    assert ran.status == 0  # a reply cut inside a UTF-8 sequence


@pytest.mark.parametrize(
    ("charset", "text"),
    [
        ("iso-8859-1", "Die Nachricht konnte nicht zugestellt werden: Empfänger unbekannt"),
        ("windows-1252", "Le message n\u2019a pas pu être remis : destinataire inconnu"),
        ("shift_jis", "宛先のメールアドレスが見つかりません"),
        ("iso-2022-jp", "宛先のメールアドレスが見つかりません"),
        ("euc-jp", "宛先のメールアドレスが見つかりません"),
    ],
)
def test_legacy_charsets_are_decoded(charset: str, text: str) -> None:
    body = f"{text}\n\n<a@example.com>: 550 5.1.1 user unknown\n".encode(charset)
    (reply,) = parse_message(_bounce("Undelivered Mail", body, charset))
    assert reply.recipient == "a@example.com"
    assert reply.enhanced_code == "5.1.1"
    ran = cli(["explain", "-", "--format", "json"], _bounce("Undelivered", body, charset))
    assert ran.status == 0
    # Mislabelled (the common case: Shift_JIS declared as us-ascii) or unlabelled: no exception.
    for label in ("us-ascii", "utf-8", "x-unknown-charset", '""'):
        parse_message(_bounce("Undelivered Mail", body, label))


def test_decoding_keeps_the_text_readable() -> None:
    from smtpcodes.bounce import _decode

    assert _decode("宛先".encode("shift_jis"), "shift_jis") == "宛先"
    assert _decode("宛先".encode("euc-jp"), "iso-2022-jp") == "宛先"  # mislabelled
    assert _decode("Empfänger".encode("latin-1"), "us-ascii") == "Empfänger"
    assert "\ufffd" in _decode(b"\xff\xfe\x81", "utf-8") or _decode(b"\xff\xfe\x81", "utf-8")


def _corpus_files(charset: str) -> list[Path]:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not present")
    found = []
    pattern = re.compile(rb"charset=\"?" + charset.encode() + rb"\b", re.IGNORECASE)
    for path in sorted((CORPUS / "maildir").rglob("*.eml")):
        if pattern.search(path.read_bytes()):
            found.append(path)
    return found


@pytest.mark.parametrize(
    "charset", ["shift_jis", "iso-2022-jp", "iso-8859-1", "windows-1252", "utf-8"]
)
def test_corpus_bounces_in_each_charset(charset: str) -> None:
    from smtpcodes.bounce import _Parts, _read_part

    files = _corpus_files(charset)
    assert files, charset
    japanese = 0
    for path in files:
        parts = _Parts()
        parts.walk(_read_part(path.read_bytes()))
        body = parts.body()
        assert "\ufffd" not in body, path  # every declared (or mislabelled) charset decoded
        japanese += re.search("[\u3040-\u30ff\u4e00-\u9fff]", body) is not None
        parse_message(path.read_bytes())
    if charset == "iso-2022-jp":
        assert japanese >= 20  # read as Japanese, not as mojibake
    for path in files[:10]:
        check(cli(["explain", "-f", str(path), "--format", "json"]), "json")


def test_corpus_8bit_bounces() -> None:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not present")
    eight_bit = [
        p
        for p in sorted((CORPUS / "maildir").rglob("*.eml"))
        if re.search(rb"[\x80-\xff]", p.read_bytes()) and p.parent.name != "not"
    ]
    assert eight_bit
    for path in eight_bit:
        ran = cli(["explain", "-f", str(path), "--format", "json"])
        check(ran, "json")
        assert ran.status == 0, (path, ran.err)
