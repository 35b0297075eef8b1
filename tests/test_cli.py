"""The commands through the CLI layer: output formats, exit statuses, stdout and stderr kept apart."""

from __future__ import annotations

import gzip
import io
import json
import sys
from pathlib import Path

import pytest
from conftest import Invoke

from smtpcodes.cli import Environment, run

# The CLI runs inside limits.applied(): a LimitWarning reaching its user is a defect here.
pytestmark = pytest.mark.filterwarnings("error::smtpcodes.limits.LimitWarning")


def _json(text: str) -> list[dict[str, object]]:
    data = json.loads(text)
    assert isinstance(data, list)
    return data


# -- explain ---------------------------------------------------------------------------------------


def test_explain_json_is_an_array_with_the_contract_keys(invoke: Invoke) -> None:
    r = invoke("explain", "5.7.26", "--json")
    assert r.exit_code == 0, r.stderr
    (item,) = _json(r.stdout)
    for key in (
        "input",
        "reply_code",
        "enhanced_code",
        "class",
        "title",
        "subject",
        "description",
        "registered",
        "references",
        "findings",
    ):
        assert key in item
    assert item["enhanced_code"] == "5.7.26"
    assert item["reply_code"] is None
    assert item["class"] == "permanent"
    assert item["title"] == "Multiple authentication checks failed"
    assert item["registered"] is True
    assert item["references"] == ["RFC 7372"]
    assert r.stderr == ""


def test_explain_arguments_are_one_text(invoke: Invoke) -> None:
    split = invoke("explain", "550", "5.7.26", "--json")
    quoted = invoke("explain", "550 5.7.26", "--json")
    assert split.exit_code == quoted.exit_code == 0
    assert _json(split.stdout) == _json(quoted.stdout)
    (item,) = _json(split.stdout)
    assert item["reply_code"] == "550" and item["enhanced_code"] == "5.7.26"
    reply = item["reply"]
    assert isinstance(reply, dict) and reply["code"] == "550"


def test_explain_reads_stdin_when_no_arguments(invoke: Invoke) -> None:
    r = invoke("explain", "--json", input="421\n")
    assert r.exit_code == 0
    (item,) = _json(r.stdout)
    assert item["reply_code"] == "421" and item["class"] == "transient"
    dash = invoke("explain", "-", "--json", input="421\n")
    assert _json(dash.stdout) == _json(r.stdout)


def test_explain_without_input_at_a_terminal_is_a_usage_error(invoke: Invoke) -> None:
    r = invoke("explain", stdin_tty=True)
    assert r.exit_code == 2
    assert r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1
    assert r.stderr.startswith("smtpcodes: error:")


def test_explain_unregistered_code(invoke: Invoke) -> None:
    r = invoke("explain", "4.7.999", "--json")
    assert r.exit_code == 0
    (item,) = _json(r.stdout)
    assert item["class"] == "transient"
    assert item["registered"] is False
    assert item["subject"] == "Security or Policy Status"


def test_explain_names_inputs_that_gave_nothing_and_prints_the_rest(invoke: Invoke) -> None:
    r = invoke("explain", "5.7.26", "999", "--format", "plain")
    assert r.exit_code == 1
    assert r.stdout.count("\n") == 1 and "5.7.26" in r.stdout
    assert "999" in r.stderr and "first digit" in r.stderr


def test_explain_garbage_exits_1_with_one_line(invoke: Invoke) -> None:
    r = invoke("explain", "hello", "there")
    assert r.exit_code == 1
    assert r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1


def test_explain_jsonl_is_one_object_per_line(invoke: Invoke) -> None:
    r = invoke("explain", "421 4.7.0, 550 5.1.1", "--format", "jsonl")
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert len(lines) == 2
    assert [json.loads(x)["enhanced_code"] for x in lines] == ["4.7.0", "5.1.1"]


def test_explain_plain_is_tab_separated(invoke: Invoke) -> None:
    r = invoke("explain", "550 5.1.1")
    (line,) = r.stdout.splitlines()
    fields = line.split("\t")
    assert fields[:4] == ["550 5.1.1", "550", "5.1.1", "permanent"]
    assert "\x1b" not in r.stdout


def test_explain_table_has_colour_only_when_asked(invoke: Invoke) -> None:
    plain = invoke("explain", "5.7.26", "--format", "table", "--no-color")
    assert "Multiple authentication checks failed" in plain.stdout
    assert "\x1b[" not in plain.stdout
    coloured = invoke("explain", "5.7.26", "--format", "table", "--color")
    assert "\x1b[" in coloured.stdout
    assert "\x1b[1;31m" in coloured.stdout or "31m" in coloured.stdout  # permanent is red


def test_explain_table_on_a_terminal_by_default(invoke: Invoke) -> None:
    r = invoke("explain", "5.7.26", stdout_tty=True)
    assert "─" in r.stdout or "━" in r.stdout


@pytest.mark.parametrize(
    ("env", "expect_colour"), [({"NO_COLOR": "1"}, False), ({"FORCE_COLOR": "1"}, True)]
)
def test_colour_environment(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expect_colour: bool
) -> None:
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    r = invoke("list", "--kind", "reply", "--format", "table")
    assert ("\x1b[" in r.stdout) is expect_colour


def test_force_color_outranks_term_dumb(invoke: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    # force-color.org: FORCE_COLOR set to anything but "" forces colour, TERM=dumb or not (the
    # README says FORCE_COLOR turns it on); TERM=dumb alone is tested on a real terminal.
    monkeypatch.setenv("TERM", "dumb")
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[3" in invoke("list", "--kind", "reply", "--format", "table").stdout
    no = invoke("list", "--kind", "reply", "--format", "table", "--no-color")
    assert "\x1b[" not in no.stdout


# -- search ----------------------------------------------------------------------------------------


def test_search_exit_statuses(invoke: Invoke) -> None:
    assert invoke("search", "-q", "DKIM").exit_code == 0
    assert invoke("search", "-q", "no-such-thing-anywhere").exit_code == 1
    bad = invoke("search", "-E", "(unclosed")
    assert bad.exit_code == 2
    assert "regular expression" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1


def test_search_quiet_prints_nothing(invoke: Invoke) -> None:
    r = invoke("search", "-q", "DKIM")
    assert r.stdout == "" and r.stderr == ""


def test_search_count_and_codes_only(invoke: Invoke) -> None:
    count = invoke("search", "-c", "--kind", "enhanced", "DKIM")
    assert count.stdout.strip() == "3"
    codes = invoke("search", "-l", "--kind", "enhanced", "DKIM")
    assert codes.stdout.split() == ["X.7.20", "X.7.21", "X.7.22"]


def test_search_case_words_invert_fixed(invoke: Invoke) -> None:
    assert invoke("search", "-c", "--kind", "enhanced", "dkim").stdout.strip() == "0"
    assert invoke("search", "-c", "-i", "--kind", "enhanced", "dkim").stdout.strip() == "3"
    assert invoke("search", "-l", "-w", "--kind", "enhanced", "5.7.2").stdout.split() == ["X.7.2"]
    dots = invoke("search", "-l", "-F", "--kind", "enhanced", "X.7.2").stdout.split()
    assert "X.7.2" in dots and "X.7.20" in dots and "X.7.12" not in dots
    total = int(invoke("search", "-c", "--kind", "enhanced", "").stdout)
    inverted = int(invoke("search", "-c", "-v", "--kind", "enhanced", "DKIM").stdout)
    assert inverted == total - 3


def test_search_filters(invoke: Invoke) -> None:
    r = invoke("search", "-l", "--kind", "reply", "--class", "4", "")
    codes = r.stdout.split()
    assert codes and all(c.startswith("4") for c in codes)
    s = invoke("search", "-l", "--kind", "enhanced", "--subject", "6", "")
    assert s.stdout.split()[0] == "X.6.0" and all(c.startswith("X.6.") for c in s.stdout.split())
    assert invoke("search", "--class", "9", "x").exit_code == 2


def test_search_plain_lines_are_tab_separated_records(invoke: Invoke) -> None:
    r = invoke("search", "--kind", "enhanced", "-w", "REQUIRETLS")
    (line,) = r.stdout.splitlines()
    assert line.split("\t")[:3] == ["X.7.30", "enhanced", "-"]
    assert "│" not in r.stdout


def test_search_json_entries(invoke: Invoke) -> None:
    r = invoke("search", "--json", "--kind", "enhanced", "null MX")
    items = _json(r.stdout)
    assert {i["code"] for i in items} == {"X.1.10", "X.7.27"}
    for i in items:
        assert {"code", "kind", "title", "description", "deprecated"} <= set(i)


# -- list ------------------------------------------------------------------------------------------


def test_list_json_covers_the_registry(invoke: Invoke) -> None:
    items = _json(invoke("list", "--json").stdout)
    codes = {i["code"] for i in items}
    assert len([c for c in codes if str(c).startswith("X.")]) == 81
    assert {"550", "421", "521", "556", "235", "334"} <= codes
    x610 = next(i for i in items if i["code"] == "X.6.10")
    assert x610["deprecated"] is True and x610["replaced_by"] == "X.6.8"


def test_list_filters_and_marks(invoke: Invoke) -> None:
    r = invoke("list", "--kind", "enhanced", "--subject", "6")
    assert any(
        line.startswith("X.6.10\t") and line.endswith("deprecated")
        for line in r.stdout.splitlines()
    )
    red = invoke("list", "--kind", "enhanced", "--class", "5", "--json")
    codes = [i["code"] for i in _json(red.stdout)]
    assert "5.7.26" in codes and "5.1.5" not in codes  # X.1.5 only goes with 250
    replies = invoke("list", "--kind", "reply", "--class", "transient")
    assert all(line.startswith("4") for line in replies.stdout.splitlines())
    nonstd = [
        ln for ln in invoke("list", "--kind", "reply").stdout.splitlines() if ln.startswith("571\t")
    ]
    assert nonstd and nonstd[0].endswith("non-standard")


def test_list_table_colours_by_class(invoke: Invoke) -> None:
    r = invoke("list", "--kind", "reply", "--format", "table", "--color")
    assert "\x1b[" in r.stdout
    assert "│" in r.stdout or "┃" in r.stdout


# -- validate --------------------------------------------------------------------------------------


def test_validate_exit_statuses_and_json(invoke: Invoke) -> None:
    ok = invoke("validate", "550 5.7.26", "--json")
    assert ok.exit_code == 0
    (v,) = _json(ok.stdout)
    assert v["valid"] is True and v["input"] == "550 5.7.26"
    bad = invoke("validate", "550 4.7.26", "--json")
    assert bad.exit_code == 1
    (b,) = _json(bad.stdout)
    assert b["valid"] is False
    findings = b["findings"]
    assert isinstance(findings, list)
    mismatch = [f for f in findings if f["rule"] == "class-mismatch"]
    assert mismatch and mismatch[0]["severity"] == "error"
    assert str(mismatch[0]["reference"]).startswith("RFC ")


def test_validate_stdin_multiline_reply(invoke: Invoke) -> None:
    good = "550-5.7.26 This mail is unauthenticated\r\n550 5.7.26 Learn more\r\n"
    assert invoke("validate", "-", input=good).exit_code == 0
    bad = "550-5.7.26 This mail is unauthenticated\r\n551 5.7.26 Learn more\r\n"
    r = invoke("validate", "-", "--json", input=bad)
    assert r.exit_code == 1
    (v,) = _json(r.stdout)
    assert v["valid"] is False


def test_validate_lines_mode(invoke: Invoke) -> None:
    r = invoke("validate", "--lines", "--json", input="550 5.1.1 ok\n250 2.0.0 ok\n650 bad\n")
    results = _json(r.stdout)
    assert [x["valid"] for x in results] == [True, True, False]
    assert r.exit_code == 1


def test_validate_bad_syntax(invoke: Invoke) -> None:
    r = invoke("validate", "5.07.1", "--format", "plain")
    assert r.exit_code == 1
    assert "error" in r.stdout and "RFC 3463" in r.stdout


# -- the group -------------------------------------------------------------------------------------


def test_help_has_an_example_for_every_command(invoke: Invoke) -> None:
    for command in ("explain", "search", "validate", "list"):
        r = invoke(command, "-h")
        assert r.exit_code == 0
        assert "Example" in r.stdout or "example" in r.stdout, command


def test_version(invoke: Invoke) -> None:
    from importlib.metadata import version

    r = invoke("--version")
    assert r.exit_code == 0 and version("smtpcodes") in r.stdout


def test_unknown_option_is_one_line_and_exit_2(invoke: Invoke) -> None:
    r = invoke("explain", "--bogus", "5.7.26")
    assert r.exit_code == 2
    assert r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1
    assert "--bogus" in r.stderr


def test_every_command_is_documented(invoke: Invoke) -> None:
    from smtpcodes.cli import cli

    for name, command in cli.commands.items():
        assert command.help and len(command.help.strip()) > 20, name


class _ClosedPipe(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_closed_pipe_is_quiet_and_exits_141(monkeypatch: pytest.MonkeyPatch) -> None:
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    env = Environment(stdin=io.BytesIO(b""), stdout=_ClosedPipe(), stdin_isatty=True)
    with pytest.raises(SystemExit) as exc:
        run(["list", "--format", "plain"], env)
    assert exc.value.code == 141
    assert err.getvalue() == ""


# -- explain -f: files of every kind, and files that cannot be used --------------------------------

_FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _without_location(items: list[dict[str, object]]) -> list[dict[str, object]]:
    return [{k: v for k, v in item.items() if k != "location"} for item in items]


def test_explain_file_reads_a_log_as_stdin_does(invoke: Invoke) -> None:
    log = _FIXTURES / "parse" / "postfix.log"
    by_file = invoke("explain", "-f", str(log), "--json")
    by_stdin = invoke("explain", "--json", input=log.read_bytes())
    assert by_file.exit_code == by_stdin.exit_code
    items = _json(by_file.stdout)
    assert len(items) > 1  # one per log line with a reply, not one made of the whole file
    assert _without_location(items) == _without_location(_json(by_stdin.stdout))
    # Where in the file, as scan writes it (stdin says "line N").
    assert all(str(item["location"]).startswith(f"{log}:") for item in items)
    first_line = str(items[0]["location"]).rsplit(":", 1)[1]
    assert _json(by_stdin.stdout)[0]["location"] == f"line {first_line}"


def test_explain_file_reads_a_pasted_reply_in_a_text_file(invoke: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "reply.txt"
    path.write_text("550 5.1.1 <bob@example.com>: Recipient address rejected: User unknown\n")
    r = invoke("explain", "-f", str(path), "--json")
    assert r.exit_code == 0, r.stderr
    (item,) = _json(r.stdout)
    assert (item["enhanced_code"], item["category"]) == ("5.1.1", "user-unknown")


def test_explain_files_a_bad_one_does_not_lose_the_others(invoke: Invoke, tmp_path: Path) -> None:
    folder = tmp_path
    noise = folder / "noise.bin"
    noise.write_bytes(bytes(range(256)) * 40)
    packed = folder / "mail.log.gz"
    packed.write_bytes(gzip.compress(b"550 5.1.1 User unknown\n"))
    good = _FIXTURES / "parse" / "dsn.eml"
    r = invoke(
        "explain",
        "-f",
        str(good),
        "-f",
        str(folder / "missing.eml"),
        "-f",
        str(noise),
        "-f",
        str(packed),
        "--json",
    )
    assert r.exit_code == 2
    assert [item["location"] for item in _json(r.stdout)] == [str(good)] * len(_json(r.stdout))
    assert _json(r.stdout)
    lines = r.stderr.splitlines()
    assert len(lines) == 3, r.stderr
    assert "cannot read" in lines[0] and "missing.eml" in lines[0]
    assert "noise.bin is binary data, not text; if it is a mail log" in lines[1]
    assert "gzip-compressed, not text" in lines[2] and "smtpcodes scan" in lines[2]


def test_explain_names_a_compression_scan_cannot_read_either(
    invoke: Invoke, tmp_path: Path
) -> None:
    packed = tmp_path / "mail.log.zst"
    packed.write_bytes(b"(\xb5/\xfd" + bytes(range(256)) * 4)
    r = invoke("explain", "-f", str(packed))
    assert r.exit_code == 2
    assert r.stderr.strip().endswith("is zstd-compressed, not text: decompress it first (zstd -dc)")
    assert "smtpcodes scan" not in r.stderr


def test_explain_binary_stdin_is_refused_not_diagnosed(invoke: Invoke) -> None:
    # Random bytes once spelled "RbL" between two non-letters: a confident 'blocklisted'.
    r = invoke("explain", "--json", input=b"\x00\x9f\x13RbL\x07" * 2000)
    assert r.exit_code == 2
    assert r.stdout.strip() == "[]"
    assert r.stderr.startswith("smtpcodes: error: standard input is binary data, not text;")
    assert r.stderr.count("\n") == 1


def test_validate_binary_stdin_is_refused(invoke: Invoke) -> None:
    r = invoke("validate", input=bytes(range(256)) * 100)
    assert r.exit_code == 2
    assert r.stdout == ""
    assert r.stderr.startswith("smtpcodes: error: standard input is binary data, not text;")
    assert r.stderr.count("\n") == 1


def test_list_says_when_no_code_matches(invoke: Invoke) -> None:
    r = invoke("list", "--subject", "8")
    assert (r.exit_code, r.stdout) == (1, "")
    assert r.stderr == "smtpcodes: no registered code matches these filters\n"


def test_validate_lines_with_arguments_is_a_usage_error(invoke: Invoke) -> None:
    r = invoke("validate", "--lines", "550 5.1.1 x")
    assert r.exit_code == 2
    assert "--lines reads replies from stdin" in r.stderr


def test_a_zero_size_is_refused_with_the_reason(invoke: Invoke) -> None:
    r = invoke("explain", "5.7.26", "--max-bytes", "0")
    assert r.exit_code == 2
    assert "use a whole number of at least 1" in r.stderr


def test_iso_2022_kr_text_is_text(invoke: Invoke) -> None:
    # ISO-2022-KR (RFC 1557) shifts character sets with SO and SI, control bytes in any other text.
    body = "메일 전송 실패: 받는 사람이 없습니다.\n550 5.1.1 <bob@example.kr>: 사용자 없음\n"
    r = invoke("explain", "--json", input=body.encode("iso2022_kr"))
    assert r.exit_code == 0, r.stderr
    assert [i["enhanced_code"] for i in _json(r.stdout)] == ["5.1.1"]


def test_an_empty_maildir_says_so(invoke: Invoke, tmp_path: Path) -> None:
    for sub in ("cur", "new", "tmp"):
        (tmp_path / sub).mkdir()
    r = invoke("explain", "-f", str(tmp_path))
    assert r.exit_code == 1
    assert r.stderr == f"smtpcodes: {tmp_path}: no SMTP reply or bounce found\n"


def test_validate_lines_at_a_terminal_asks_for_input(invoke: Invoke) -> None:
    r = invoke("validate", "--lines", stdin_tty=True)
    assert r.exit_code == 2
    assert "give a code or a reply" in r.stderr and "the arguments are one reply" not in r.stderr


def test_a_paste_starting_with_from_is_not_taken_for_an_mbox(invoke: Invoke) -> None:
    # An mbox's From_ line is "From sender date"; "From host: reply" is a pasted reply.
    r = invoke("explain", "--json", "From mx.example.com: 421 4.7.0 try again later")
    assert r.exit_code == 0, r.stderr
    [item] = _json(r.stdout)
    assert (item["reply_code"], item["enhanced_code"]) == ("421", "4.7.0")


def test_explain_file_reads_a_folder_and_its_subfolders(invoke: Invoke, tmp_path: Path) -> None:
    # scan searches folders recursively; explain -f did not, and said nothing of what it skipped.
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.eml").write_bytes((_FIXTURES / "parse" / "dsn.eml").read_bytes())
    (tmp_path / "sub" / "b.eml").write_bytes((_FIXTURES / "parse" / "qmail.eml").read_bytes())
    r = invoke("explain", "-f", str(tmp_path), "--json")
    assert r.exit_code == 0, r.stderr
    locations = {item["location"] for item in _json(r.stdout)}
    assert locations == {str(tmp_path / "a.eml"), str(tmp_path / "sub" / "b.eml")}


def _mbox_with_first_line(tmp_path: Path, first: bytes) -> Path:
    path = tmp_path / "box"
    with open(path, "wb") as out:
        for index, name in enumerate(("qmail.eml", "exim.eml", "dsn.eml")):
            out.write(first if index == 0 else b"From MAILER-DAEMON Fri Nov 20 10:00:00 2026\n")
            out.write((_FIXTURES / "parse" / name).read_bytes().rstrip(b"\n") + b"\n\n")
    return path


@pytest.mark.parametrize(
    "first",
    [
        b"From  Thu Sep 18 17:54:04 2008\n",  # no sender: two spaces
        b"From MAILER-DAEMON Thu Sep 18 2008\n",  # no time of day
        b"From - Mon Jan  1 00:00:00 2001\n",  # Thunderbird
        b"From MAILER-DAEMON Fri Nov 20 10:00:00 2026\r\n",
    ],
)
def test_mbox_from_lines_of_every_shape_are_mboxes(
    invoke: Invoke, tmp_path: Path, first: bytes
) -> None:
    from smtpcodes.scan import ScanRecord, scan

    box = _mbox_with_first_line(tmp_path, first)
    r = invoke("explain", "-f", str(box), "--json")
    assert {str(i["location"]).rsplit("#", 1)[1] for i in _json(r.stdout)} == {"1", "2", "3"}
    assert {i.message for i in scan(str(box)) if isinstance(i, ScanRecord)} == {1, 2, 3}


def test_a_long_paste_starting_with_from_host_is_a_reply(invoke: Invoke) -> None:
    text = "From mx.example.com said: 550 5.1.1 unknown user " + "x" * 100
    r = invoke("explain", "--json", input=text.encode())
    assert r.exit_code == 0, r.stderr
    assert [i["enhanced_code"] for i in _json(r.stdout)] == ["5.1.1"]


def test_explain_file_folders_as_scan_walks_them(invoke: Invoke, tmp_path: Path) -> None:
    log = (_FIXTURES / "parse" / "postfix.log").read_bytes()
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "mail.log").write_bytes(log)
    (tmp_path / "logs" / "up").symlink_to("..")  # a loop: named, not followed
    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp", ".Bounces/cur"):
        (maildir / sub).mkdir(parents=True)
    (maildir / ".Bounces" / "cur" / "1").write_bytes((_FIXTURES / "parse" / "dsn.eml").read_bytes())
    (tmp_path / "empty.mbox").write_bytes(b"From MAILER-DAEMON Fri Nov 20 10:00:00 2026\n\n")
    r = invoke("explain", "-f", str(tmp_path), "--json")
    items = _json(r.stdout)
    locations = {str(i["location"]) for i in items}
    # The log is read as a log (line numbers), once; Maildir++ folders are read.
    assert any(loc.startswith(f"{tmp_path / 'logs' / 'mail.log'}:") for loc in locations)
    assert not any("/up/" in loc for loc in locations)
    assert str(maildir / ".Bounces" / "cur" / "1") in locations
    # An mbox with no message says so, like any input that gave nothing.
    assert f"{tmp_path / 'empty.mbox'}: no SMTP reply or bounce found" in r.stderr
    assert "up: a link to a folder, not followed" in r.stderr
    assert r.exit_code == 2  # the link could not be read as a file of mail


def test_max_items_bounds_a_whole_folder_and_says_so(invoke: Invoke, tmp_path: Path) -> None:
    # Each file of a folder once had its own allowance: a folder of 100,000 bounces would have
    # held 100,000 verdicts in memory.
    for index in range(6):
        (tmp_path / f"{index}.eml").write_bytes((_FIXTURES / "parse" / "dsn.eml").read_bytes())
    r = invoke("explain", "-f", str(tmp_path), "--max-items", "4", "--json")
    assert len(_json(r.stdout)) == 4
    assert f"{tmp_path}: stopped after 4 items" in r.stderr
    exact = invoke("explain", "-f", str(tmp_path / "0.eml"), "--max-items", "1", "--json")
    assert len(_json(exact.stdout)) == 1 and "stopped after" not in exact.stderr


def test_a_text_file_that_says_nothing_is_named(invoke: Invoke, tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("hello there\n")
    r = invoke("explain", "-f", str(note))
    assert r.exit_code == 1
    assert r.stderr.startswith(f"smtpcodes: {note}: 'hello there': no SMTP code")
