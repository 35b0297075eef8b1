"""The smtpcodes command line: parse arguments, pick the input, call the library, render, map errors.

Core modules and Rich are imported inside the commands, so `--help`, completion and plain output
stay fast.
"""

from __future__ import annotations

import contextlib
import enum
import io
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import IO, TYPE_CHECKING, Any, NoReturn, TypeVar, cast

import click

from smtpcodes._streams import isatty

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

    from smtpcodes.render import Output

F = TypeVar("F", bound=Callable[..., Any])


class ExitStatus(enum.IntEnum):
    """Exit statuses, in grep's spirit, the same for every command."""

    OK = 0  # every input gave a result (search: something matched; validate: no error)
    NO_RESULT = 1  # some input gave nothing (search: nothing matched; validate: an error found)
    ERROR = 2  # bad usage, or input that could not be read at all
    INTERRUPTED = 130  # Ctrl-C
    BROKEN_PIPE = 141  # the reader went away (128 + SIGPIPE, as a C tool killed by it)


class PipeClosed(Exception):
    """stdout's reader went away. Not an OSError, so neither Click nor Rich turns it into exit 1."""


class OutputError(click.ClickException):
    """stdout cannot be written (a full disk, a closed descriptor): exit status 2, one line."""

    exit_code = ExitStatus.ERROR

    def __init__(self, reason: str) -> None:
        super().__init__(f"cannot write output: {reason}")


def _write_failed(exc: OSError) -> Exception:
    """What a failed write of stdout becomes: a reader that went away is PipeClosed (quiet), any
    other failure an OutputError that names it."""
    if isinstance(exc, BrokenPipeError):
        return PipeClosed()
    return OutputError(exc.strerror or str(exc))


class _ClosedOutput(io.TextIOBase):
    """stdout when the process was started without one (`smtpcodes search x >&-`): Python then
    sets sys.stdout to None. Writing nothing (search -q) is fine; writing anything is an error."""

    def write(self, text: str) -> int:
        if text:
            raise OutputError("standard output is closed")
        return 0


class _GuardedStream:
    """stdout, with a closed pipe reported as PipeClosed and any other failure as OutputError."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError as exc:
            raise _write_failed(exc) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as exc:
            raise _write_failed(exc) from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class InputError(click.ClickException):
    """Input that cannot be used at all: exit status 2."""

    exit_code = ExitStatus.ERROR


_EMPTY_STDIN = io.BytesIO()


class Environment:
    """The facts about the terminal and the streams; tests replace them."""

    def __init__(
        self,
        stdin: IO[bytes] | None = None,
        stdout: IO[str] | None = None,
        stderr: IO[str] | None = None,
        stdin_isatty: bool | None = None,
        stdout_isatty: bool | None = None,
    ) -> None:
        # sys.stdin is None when the process was started with standard input closed.
        self.stdin = stdin if stdin is not None else getattr(sys.stdin, "buffer", _EMPTY_STDIN)
        if stdout is None:
            stdout = sys.stdout if sys.stdout is not None else cast(IO[str], _ClosedOutput())
        self.stdout = stdout
        self.stderr = stderr if stderr is not None else sys.stderr
        self.stdin_isatty = isatty(sys.stdin) if stdin_isatty is None else stdin_isatty
        self.stdout_isatty = isatty(sys.stdout) if stdout_isatty is None else stdout_isatty


def warn(message: str) -> None:
    """One line on stderr, prefixed with the program name; untrusted parts are made safe."""
    from smtpcodes.render import safe

    click.echo(f"smtpcodes: {safe(message)}", err=True)


# -- shared options --------------------------------------------------------------------------------


def output_options(
    formats: Sequence[str] = ("table", "plain", "json", "jsonl"),
) -> Callable[[F], F]:
    def decorate(f: F) -> F:
        f = click.option(
            "--color/--no-color",
            "color",
            default=None,
            help="Force colour on or off. Default: on at a terminal unless TERM=dumb; NO_COLOR set"
            " (not empty) turns it off; FORCE_COLOR set (not empty, any value, even 0) turns it on,"
            " even with TERM=dumb or NO_COLOR.",
        )(f)
        f = click.option("--json", "as_json", is_flag=True, help="Shorthand for --format json.")(f)
        return click.option(
            "--format",
            "fmt",
            type=click.Choice(formats),
            default=None,
            help="Output format (default: table at a terminal, plain tab-separated lines in a pipe).",
        )(f)

    return decorate


def make_output(fmt: str | None, as_json: bool, color: bool | None) -> Output:
    from smtpcodes.render import Output, resolve_format

    env = _env()
    stream = cast(IO[str], _GuardedStream(env.stdout))
    return Output(stream, resolve_format(fmt, as_json, env.stdout_isatty), color)


_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}


def parse_size(value: str) -> int:
    """A size in bytes or characters: 65536, 64K, 1M, 2G (powers of 1024); ValueError if not."""
    text = value.strip().lower().removesuffix("b").removesuffix("i")
    unit = text[-1:] if text[-1:] in ("k", "m", "g") else ""
    number = text[: len(text) - len(unit)]
    if not number.isascii() or not number.isdigit() or int(number) < 1:
        raise ValueError(
            f"{value!r} is not a size: use a whole number of at least 1, e.g. 65536, 64K or 1M"
        )
    return int(number) * _UNITS[unit]


# (option, Limits field, type, help). The defaults are smtpcodes.limits' constants.
_LIMIT_OPTIONS = {
    "bytes": (
        "--max-bytes",
        "max_bytes",
        click.STRING,
        "Read at most SIZE bytes of each input and each message (default 1M).",
    ),
    "line": (
        "--max-line",
        "max_line",
        click.STRING,
        "Consider at most SIZE characters of a line (default 64K).",
    ),
    "parts": (
        "--max-parts",
        "max_parts",
        click.IntRange(min=1),
        "Read at most N MIME parts of a message (default 1000).",
    ),
    "items": (
        "--max-items",
        "max_items",
        click.IntRange(min=1),
        "Report at most N items per input (default 1000).",
    ),
}


def limit_options(*names: str, texts: dict[str, str] | None = None) -> Callable[[F], F]:
    """Options that change smtpcodes.limits; whatever a limit cuts is named on stderr.

    `texts` replaces the help of some options, for a command that applies them differently.
    """

    def decorate(f: F) -> F:
        for name in reversed(names):
            flag, key, kind, text = _LIMIT_OPTIONS[name]
            text = (texts or {}).get(name, text)
            f = click.option(
                flag,
                key,
                type=kind,
                default=None,
                metavar="N" if name in ("parts", "items") else "SIZE",
                expose_value=False,
                callback=_store_limit,
                help=text,
            )(f)
        return f

    return decorate


def _store_limit(ctx: click.Context, param: click.Parameter, value: int | str | None) -> None:
    if value is None or not param.name:
        return
    if isinstance(value, str):
        try:
            value = parse_size(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc), ctx, param) from None
    ctx.meta.setdefault("smtpcodes.limits", {})[param.name] = value


def _limits() -> Any:
    """The Limits the command's options chose (the defaults for the rest)."""
    from smtpcodes.limits import Limits

    chosen = click.get_current_context().meta.get("smtpcodes.limits", {})
    return Limits(**chosen)


class _Cuts:
    """What the limits cut, named on stderr as it happens: the first CUTS_SHOWN cuts, then a count."""

    def __init__(self, report: Any) -> None:
        self.report = report
        self.shown = 0

    def warn(self, where: str) -> None:
        for cut in self.report.take():
            if self.shown < CUTS_SHOWN:
                warn(f"{where}: {cut.message}")
                self.shown += 1

    def finish(self) -> None:
        hidden = self.report.total - self.shown
        if hidden > 0:
            cuts = "cut" if hidden == 1 else "cuts"
            warn(f"{hidden:,} more {cuts} by the limits, not named one by one")


CUTS_SHOWN = 20


def _argument(text: str) -> str:
    """An argument as text: bytes that are not UTF-8 (kept by Python as lone surrogates) become
    U+FFFD, as they do on stdin; a strict UTF-8 stdout would otherwise refuse them."""
    if text.isascii():
        return text
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")


def _env() -> Environment:
    ctx = click.get_current_context()
    obj = ctx.find_root().obj
    if not isinstance(obj, Environment):
        obj = Environment()
        ctx.find_root().obj = obj
    return obj


# -- completion ------------------------------------------------------------------------------------


def complete_code(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Complete enhanced and reply codes, with their titles as help."""
    from click.shell_completion import CompletionItem

    from smtpcodes import registry

    items: list[CompletionItem] = []
    prefix = incomplete.strip()
    klass = prefix[:1] if prefix[:1] in "245" and prefix[1:2] == "." else None
    for e in registry.enhanced_entries():
        code = e.for_class(int(klass)) if klass else e.key
        if code.startswith(prefix) or (not klass and e.key.lower().startswith(prefix.lower())):
            items.append(CompletionItem(code, help=e.title))
    if "." not in prefix:
        for r in registry.reply_entries():
            if r.code.startswith(prefix):
                items.append(CompletionItem(r.code, help=r.title))
    return items


CLASS_CHOICES = (
    ("2", "success (2xx, 2.x.x)"),
    ("3", "intermediate (3xx)"),
    ("4", "transient (4xx, 4.x.x)"),
    ("5", "permanent (5xx, 5.x.x)"),
    ("success", "2xx, 2.x.x"),
    ("intermediate", "3xx"),
    ("transient", "4xx, 4.x.x"),
    ("permanent", "5xx, 5.x.x"),
)


def complete_class(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Complete --class: the digits and the names search.class_digit takes."""
    from click.shell_completion import CompletionItem

    prefix = incomplete.strip().lower()
    return [CompletionItem(v, help=h) for v, h in CLASS_CHOICES if v.startswith(prefix)]


def complete_subject(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Complete --subject: the registered subjects, with IANA's titles as help."""
    from click.shell_completion import CompletionItem

    from smtpcodes import registry

    return [
        CompletionItem(str(s.subject), help=s.title)
        for s in registry.subjects()
        if str(s.subject).startswith(incomplete.strip())
    ]


# -- the group -------------------------------------------------------------------------------------

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


# invoke_without_command: no command is answered here, the same under every Click version (8.2
# raises the help as a usage error, whose lines warn() would escape onto one; 8.1 exits 0).
@click.group(
    context_settings=CONTEXT, invoke_without_command=True, subcommand_metavar="COMMAND [ARGS]..."
)
@click.version_option(package_name="smtpcodes", prog_name="smtpcodes")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Explain SMTP reply codes and enhanced status codes, and diagnose what a mail server said.

    \b
    Examples:
      smtpcodes explain 5.7.26
      smtpcodes explain "550 5.1.1 User unknown"
      smtpcodes search -i spf
    """
    if ctx.invoked_subcommand is None:
        # As Click and git answer a bare command: the help, on its own lines, and bad usage.
        click.echo(ctx.get_help(), err=True)
        ctx.exit(ExitStatus.ERROR)


def _read_stdin() -> bytes:
    env = _env()
    try:
        return _at_most(env.stdin)
    except OSError as exc:
        raise InputError(f"cannot read standard input: {exc.strerror or exc}") from None


def _at_most(stream: IO[bytes]) -> bytes:
    """The first max_bytes of a stream (reading one byte more tells whether there is more), as
    UTF-8 when it was UTF-16 behind a byte order mark."""
    from smtpcodes import limits
    from smtpcodes._encoding import to_utf8

    most = limits.current().max_bytes
    data, more = limits.read_at_most(stream, most)
    if more:
        limits.record(
            "max_bytes",
            f"more than {most:,} bytes; only the first {most:,} were read (--max-bytes)",
        )
    return to_utf8(data)


def _decode(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def _text_from(args: Sequence[str], what: str) -> str:
    """The arguments as one text; stdin when there are none (and it is not a terminal) or with '-'."""
    env = _env()
    if list(args) == ["-"] or (not args and not env.stdin_isatty):
        return _decode(_text_input("standard input", _read_stdin()))
    if not args:
        raise click.UsageError(f"give {what} as arguments, or '-' to read standard input")
    return " ".join(_argument(a) for a in args)


# -- explain ---------------------------------------------------------------------------------------


INPUT_KINDS = ("auto", "codes", "reply", "log", "email")


@cli.command(context_settings=CONTEXT)
@click.argument("text", nargs=-1, shell_complete=complete_code)
@click.option(
    "-f",
    "--file",
    "files",
    multiple=True,
    type=click.Path(dir_okay=True, allow_dash=True),
    help="Read a file as stdin is read (replies, log lines, an email), an mbox, or a folder or "
    "Maildir of them, searched recursively (repeatable).",
)
@click.option(
    "--as",
    "kind",
    type=click.Choice(INPUT_KINDS),
    default="auto",
    show_default=True,
    help="What the input is; auto detects codes, replies, log lines and emails.",
)
@limit_options("bytes", "line", "parts", "items")
@output_options()
def explain(
    text: tuple[str, ...],
    files: tuple[str, ...],
    kind: str,
    fmt: str | None,
    as_json: bool,
    color: bool | None,
) -> int:
    """Explain codes, and diagnose replies, log lines and bounce emails.

    The arguments are one text, as if quoted; with none (and a pipe on stdin), or with '-',
    the text is read from stdin. Every code or reply found is one item; a bounce email gives
    one item per recipient.

    \b
    Examples:
      smtpcodes explain 5.7.26
      smtpcodes explain 550 5.1.1 User unknown
      smtpcodes explain -f bounce.eml --json
    """
    out = make_output(fmt, as_json, color)
    if text and list(text) != ["-"] and not files and kind in ("auto", "codes"):
        from smtpcodes.codes import only_codes

        tokens = only_codes(" ".join(text))
        if tokens is not None:
            from smtpcodes.fastpath import lookup

            fast = lookup(tokens)
            if fast is not None:  # every token is a registered code: answered without the core
                out.explanations(fast)
                return ExitStatus.OK
    from smtpcodes import limits
    from smtpcodes.diagnose import Verdict, analyse, with_location

    env = _env()
    status = ExitStatus.OK
    failed = False  # an input could not be read at all: exit status 2, the others still answered
    results: list[dict[str, Any]] = []
    with limits.applied(_limits()) as report:
        cuts = _Cuts(report)
        inputs: list[tuple[str, str | bytes]] = []
        if text and list(text) != ["-"]:
            joined = " ".join(_argument(t) for t in text)
            inputs.append((joined, _argument_at_most(joined)))
        elif list(text) == ["-"] or (not files and not env.stdin_isatty):
            try:
                inputs.append(("standard input", _text_input("standard input", _read_stdin())))
            except InputError as exc:
                warn(f"error: {exc.format_message()}")
                failed = True
        elif not files:
            raise click.UsageError("give a code or a reply, '-' to read standard input, or -f FILE")

        def explain_text(name: str, data: str | bytes, location: str | None = None) -> None:
            nonlocal status
            analysed = analyse(data, kind)
            cuts.warn(_describe_input(name, data))
            if not analysed:
                status = ExitStatus.NO_RESULT
                warn(f"no SMTP code or reply found in {_describe_input(name, data)}")
            for reply, verdict in analysed:
                if verdict is None:
                    status = ExitStatus.NO_RESULT
                    where = f"{_within(location, reply.location)}: " if location else ""
                    warn(where + _nothing_found(reply.raw))
                else:
                    if location is not None:
                        verdict = with_location(verdict, _within(location, verdict.reply.location))
                    results.append(verdict.to_json())

        for name, data in inputs:
            explain_text(name, data)
        most = limits.current().max_items

        def stop_at_most(given: str) -> None:
            limits.record(
                "max_items",
                f"stopped after {most:,} items; the rest was not read (--max-items; "
                "smtpcodes scan reads any number)",
            )
            cuts.warn(given)

        for given in files:
            start = len(results)  # max_items bounds what one -f gives, a folder's files together
            for path, problem in _expand(given):
                left = most - (len(results) - start)
                if left <= 0:  # full, and here is more
                    stop_at_most(given)
                    break
                if problem:
                    warn(f"error: cannot read {path}: {problem}")
                    failed = True
                    continue
                found: list[Verdict] = []
                # A text says itself when it gives nothing, and a read that failed has said why.
                as_text = more = unread = False
                try:
                    # problem "" is a folder with no file in it: nothing to read
                    for location, item in _read_path(path, kind) if problem is None else ():
                        if isinstance(item, bytes):
                            as_text = True
                            explain_text(location, item, None if path == "-" else location)
                            continue
                        cuts.warn(location)
                        found.extend(with_location(v, location) for v in item)
                        if len(found) > left:
                            more = True
                            break
                except InputError as exc:
                    warn(f"error: {exc.format_message()}")
                    failed = unread = True
                if not (as_text or found or unread):
                    status = ExitStatus.NO_RESULT
                    warn(f"{path}: no SMTP reply or bounce found")
                results.extend(v.to_json() for v in found)
                if more or len(results) - start > most:
                    del results[start + most :]
                    stop_at_most(given)
                    break
        cuts.finish()
    if report and status == ExitStatus.OK:
        status = ExitStatus.NO_RESULT  # the part a limit cut gave nothing
    out.explanations(results)
    return ExitStatus.ERROR if failed else status


def _within(path: str, where: str | None) -> str:
    """A file's name with where in it a verdict was found, written as scan writes it:
    "mail.log:15" for a log's line 15, "bounces.mbox#3" for an mbox's third message."""
    if where is None:
        return path
    if where.startswith("line "):
        return f"{path}:{where[5:]}"
    return f"{path}{where}" if where.startswith("#") else path


def _argument_at_most(text: str) -> str:
    """Arguments as one text, cut to max_bytes like any other input."""
    from smtpcodes import limits

    most = limits.current().max_bytes
    if len(text) <= most // 4 or len(text.encode("utf-8")) <= most:
        return text
    limits.record(
        "max_bytes", f"more than {most:,} bytes; only the first {most:,} were read (--max-bytes)"
    )
    return text.encode("utf-8")[:most].decode("utf-8", "ignore")


def _describe_input(name: str, data: str | bytes) -> str:
    return repr(_short(name)) if isinstance(data, str) else name


def _nothing_found(raw: str) -> str:
    """Why a piece of input gave nothing; for a bare token, what is wrong with it."""
    from smtpcodes.explain import explain_code
    from smtpcodes.parse import parse_text

    for reply in parse_text(raw, "codes") if raw.strip().isdigit() or "." in raw else []:
        notes = explain_code(reply.reply_code, reply.enhanced_code).notes
        if notes:
            return f"{_short(raw)}: {'; '.join(notes)}"
    return f"{_short(raw)!r}: no SMTP code or known reply text in it"


def _expand(given: str) -> Iterator[tuple[str, str | None]]:
    """The files a -f names, each with None, or with why it cannot be read: itself, or every
    file under a folder (searched as scan searches one); a folder with no file gives itself
    with "" (nothing to read)."""
    if given == "-" or not os.path.isdir(given):
        yield given, None
        return
    from smtpcodes.bounce import iter_files

    empty = True
    for path, problem, _ in iter_files(given):
        empty = False
        yield path, problem
    if empty:
        yield given, ""


def _read_path(path: str, kind: str) -> Iterator[tuple[str, bytes | list[Any]]]:
    """What a file holds: (path, its bytes) for a text to read like stdin (a reply, log lines, a
    single email), or (location, verdicts) for each message of an mbox. '-' is stdin. A file
    that cannot be read, or is not text, is an InputError."""
    from smtpcodes.bounce import iter_mbox, open_file
    from smtpcodes.diagnose import diagnose_replies

    if path == "-":
        yield "standard input", _text_input("standard input", _read_stdin())
        return
    try:
        with open_file(path) as (mbox, stream):
            if mbox and kind in ("auto", "email"):
                for location, replies in iter_mbox(path, stream):
                    yield location, list(diagnose_replies(replies))
                return
            data = _at_most(stream)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    yield path, _text_input(path, data)


def _text_input(name: str, data: bytes) -> bytes:
    """The data, unless it is not text (random bytes, a compressed file): an InputError naming
    what it is, rather than a verdict read into a few letters that happen to spell a word."""
    from smtpcodes._encoding import UNREAD_COMPRESSIONS, binary_kind

    what = binary_kind(data)
    if what is None:
        return data
    hint = ""
    if what in UNREAD_COMPRESSIONS:
        hint = f": decompress it first ({UNREAD_COMPRESSIONS[what]})"
    elif what.endswith("compressed"):
        hint = ": decompress it first (zcat), or use 'smtpcodes scan', which reads compressed logs"
    if what == "binary data":
        # A log that copytruncate left with a run of NULs at its start is still a log.
        hint = "; if it is a mail log, 'smtpcodes scan --as log' reads the lines it can"
    raise InputError(f"{name} is {what}, not text{hint}")


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- search ----------------------------------------------------------------------------------------

KIND_CHOICE = click.Choice(["enhanced", "reply", "rule"])


def class_subject_options(f: F) -> F:
    """--class and --subject, the registry filters search and list share."""
    f = click.option(
        "--subject",
        type=click.IntRange(0, 999),
        shell_complete=complete_subject,
        help="Enhanced-code subject (the registered ones are 0 to 7).",
    )(f)
    return click.option(
        "--class",
        "klass",
        metavar="CLASS",
        shell_complete=complete_class,
        help="2, 3, 4, 5 or success, intermediate, transient, permanent.",
    )(f)


@cli.command(context_settings=CONTEXT)
@click.argument("pattern")
@click.option("-i", "--ignore-case", is_flag=True, help="Ignore case.")
@click.option(
    "-E",
    "--regexp",
    "extended",
    is_flag=True,
    help="PATTERN is a regular expression (the default).",
)
@click.option("-F", "--fixed-strings", "fixed", is_flag=True, help="PATTERN is a plain string.")
@click.option("-w", "--word-regexp", "word", is_flag=True, help="Match whole words only.")
@click.option(
    "-v", "--invert-match", "invert", is_flag=True, help="Select entries that do not match."
)
@click.option("-c", "--count", is_flag=True, help="Print only the number of matching entries.")
@click.option(
    "-q", "--quiet", is_flag=True, help="Print nothing; the exit status says if anything matched."
)
@click.option("-l", "--codes-only", is_flag=True, help="Print only the codes, one per line.")
@click.option(
    "--kind", "kinds", type=KIND_CHOICE, multiple=True, help="Only this kind (repeatable)."
)
@class_subject_options
@output_options()
def search(
    pattern: str,
    ignore_case: bool,
    extended: bool,
    fixed: bool,
    word: bool,
    invert: bool,
    count: bool,
    quiet: bool,
    codes_only: bool,
    kinds: tuple[str, ...],
    klass: str | None,
    subject: int | None,
    fmt: str | None,
    as_json: bool,
    color: bool | None,
) -> int:
    """Search codes, titles and descriptions, grep-style: exit 0 on a match, 1 on none, 2 on error.

    Searched are enhanced codes, reply codes and rules (the knowledge base's provider and MTA
    wordings, such as yahoo-tss04 for Yahoo's TSS04), each as lines: every way of writing its
    code (X.7.26, 2.7.26, 4.7.26, 5.7.26), its title, its description, and for a rule its
    provider and the text it matches. ^ and $ match at the start and end of each line, so
    '^5\\.7\\.2' finds the codes 5.7.2x. --class keeps a rule whose reply or enhanced code
    has that class, and the class column shows it.

    \b
    Examples:
      smtpcodes search -i -w dkim --kind enhanced
      smtpcodes search '^5\\.7\\.2' -l
      smtpcodes search -w TSS04 --kind rule
    """
    from smtpcodes.search import SearchError
    from smtpcodes.search import search as run_search

    if extended and fixed:
        raise click.UsageError("-E and -F cannot be used together")
    pattern = _argument(pattern)
    import warnings

    try:
        # re.compile() warns about "[[" and "--" in a set through the warnings module: two
        # lines on stderr with a source path. They become one line of ours.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            found = list(
                run_search(
                    pattern,
                    ignore_case=ignore_case,
                    fixed=fixed,
                    word=word,
                    invert=invert,
                    kinds=kinds or ("enhanced", "reply", "rule"),
                    klass=klass,
                    subject=subject,
                )
            )
    except SearchError as exc:
        raise InputError(str(exc)) from None
    except (OverflowError, RecursionError) as exc:
        # re.compile() raises these, not re.error, for "a{99999999999}" and deep nesting.
        reason = "too deeply nested" if isinstance(exc, RecursionError) else str(exc)
        raise InputError(f"bad regular expression {pattern!r}: {reason}") from None
    for caught_warning in caught:
        warn(f"warning: regular expression {pattern!r}: {caught_warning.message}")
    status = ExitStatus.OK if found else ExitStatus.NO_RESULT
    if quiet:
        return status
    out = make_output(fmt, as_json, color)
    if count:
        out.line(str(len(found)))
        return status
    out.entries(found, codes_only=codes_only)
    return status


# -- list ------------------------------------------------------------------------------------------


@cli.command("list", context_settings=CONTEXT)
@click.option(
    "--kind", "kinds", type=KIND_CHOICE, multiple=True, help="enhanced, reply or rule (repeatable)."
)
@class_subject_options
@output_options()
def list_(
    kinds: tuple[str, ...],
    klass: str | None,
    subject: int | None,
    fmt: str | None,
    as_json: bool,
    color: bool | None,
) -> int:
    """List the registry, colour-coded by class: 2xx green, 3xx cyan, 4xx yellow, 5xx red.

    Codes are coloured by their class: success (2xx) green, intermediate (3xx) cyan, transient
    (4xx) yellow, permanent (5xx) red. Enhanced codes are listed as the registry writes them,
    X.7.26, with no class and so no colour; with --class they are written 4.7.26 or 5.7.26 and
    coloured. Rules are coloured by their reply or enhanced code's class.

    \b
    Example:
      smtpcodes list --kind enhanced --class 5 --subject 7
    """
    from smtpcodes.search import SearchError, entries

    try:
        found = list(entries(kinds or ("enhanced", "reply"), klass, subject))
    except SearchError as exc:
        raise InputError(str(exc)) from None
    make_output(fmt, as_json, color).entries(found)
    if not found:
        warn("no registered code matches these filters")
        return ExitStatus.NO_RESULT
    return ExitStatus.OK


# -- validate --------------------------------------------------------------------------------------


@cli.command(context_settings=CONTEXT)
@click.argument("text", nargs=-1, shell_complete=complete_code)
@click.option("--lines", is_flag=True, help="With stdin: one reply per line instead of one reply.")
@limit_options("bytes", "items")
@output_options()
def validate(
    text: tuple[str, ...], lines: bool, fmt: str | None, as_json: bool, color: bool | None
) -> int:
    """Check codes and replies against the RFCs; exit 0 when there is no error, 1 when there is.

    The arguments are one text, as if quoted. '-' (or a pipe with no arguments) reads stdin
    as one reply, possibly multi-line, or one reply per line with --lines.

    \b
    Example:
      printf '550-5.7.26 Unauthenticated\\r\\n550 5.7.26 mail\\r\\n' | smtpcodes validate -
    """
    from smtpcodes import limits
    from smtpcodes.validate import validate as validate_text
    from smtpcodes.validate import validate_lines, validate_reply

    env = _env()
    from_stdin = list(text) == ["-"] or (not text and not env.stdin_isatty)
    if lines and text and not from_stdin:
        raise click.UsageError("--lines reads replies from stdin; the arguments are one reply")
    with limits.applied(_limits()) as report:
        source = _text_from(text, "a code or a reply")
        if from_stdin and not source.strip():
            # Empty or closed: validate_reply("") would name the input '' (nothing in '').
            warn("no reply found on standard input (it is empty)")
            return ExitStatus.NO_RESULT
        if from_stdin:
            results = validate_lines(source) if lines else [validate_reply(source.strip("\r\n"))]
        else:
            results = validate_text(source)
        cuts = _Cuts(report)
        cuts.warn("standard input" if from_stdin else repr(_short(source)))
        cuts.finish()
    if not results:
        warn("no reply found on standard input")
        return ExitStatus.NO_RESULT
    make_output(fmt, as_json, color).validations(results)
    return ExitStatus.OK if all(r.valid for r in results) and not report else ExitStatus.NO_RESULT


# -- scan ------------------------------------------------------------------------------------------

SCAN_KINDS = ("auto", "log", "exchange", "mbox", "email")  # smtpcodes.scan.KINDS
PROBLEMS_SHOWN = 20  # problems named on stderr one by one; the rest are counted


@cli.command(context_settings=CONTEXT)
@click.argument("paths", nargs=-1, type=click.Path(allow_dash=True))
@click.option(
    "--summary",
    "summary_only",
    is_flag=True,
    help="Print the summary instead of the records (a table at a terminal, text in a pipe).",
)
@click.option(
    "--as",
    "kind",
    type=click.Choice(SCAN_KINDS),
    default="auto",
    show_default=True,
    help=(
        "What the files are (exchange: Exchange message tracking logs and their CSV exports);"
        " auto tells them apart by their first lines."
    ),
)
@limit_options(
    "bytes",
    "line",
    "parts",
    "items",
    texts={
        "bytes": "Read at most SIZE bytes of each email (default 1M); logs are read whole.",
        "line": "Read at most SIZE bytes of a log line, and consider at most SIZE characters of"
        " a line of an email (default 64K).",
        "items": "Report at most N recipients per email (default 1000).",
    },
)
@output_options(("jsonl", "json", "table", "plain"))
def scan(
    paths: tuple[str, ...],
    summary_only: bool,
    kind: str,
    fmt: str | None,
    as_json: bool,
    color: bool | None,
) -> int:
    """Diagnose every failed or deferred delivery in mail logs, mbox files, Maildirs or stdin.

    Reads Postfix, Exim and Sendmail logs and Exchange message tracking logs or their CSV
    exports (also gzip, bzip2 and xz; UTF-8, or UTF-16 with a byte order mark), mbox files,
    emails, and folders of them (Maildir or .eml files, recursively); '-' reads stdin. Output streams: one JSON
    object per failure, as it is found (JSON Lines, the default in a pipe; interrupting leaves
    complete lines), or with --summary the counts by category, class, provider and recipient
    domain, and the top reasons (Ctrl-C prints the summary of what was read, marked
    interrupted, and exits 130). At a terminal the default is the summary table. Problems go to
    stderr, and so does anything a limit cut (--max-line for a log line; --max-bytes, --max-parts
    and --max-items for each message), whose start is still diagnosed. Exit 0 when something was
    scanned, 1 when nothing recognisable was found, 2 when an input could not be read or is not
    text, such as random bytes or a zstd file (the others are still scanned; --as log reads
    whatever a file holds as a log).

    \b
    Examples:
      smtpcodes scan /var/log/mail.log --summary
      zcat mail.log.*.gz | smtpcodes scan - | jq -r 'select(.bounce == "hard") | .recipient'
    """
    from smtpcodes.scan import ScanProblem, Summary
    from smtpcodes.scan import scan as run_scan

    env = _env()
    if not paths:
        if env.stdin_isatty:
            raise click.UsageError("give files or folders to scan, or '-' to read standard input")
        paths = ("-",)
    default = "table" if env.stdout_isatty else ("plain" if summary_only else "jsonl")
    out = make_output(fmt or default, as_json, color)
    records = not summary_only and out.fmt != "table"
    summary = Summary(counters=not records)
    status_line = _StatusLine(env.stderr, summary) if isatty(env.stderr) else None
    shown = 0
    array: _JsonArray | None = None
    items = run_scan(
        paths,
        kind=kind,
        summary=summary,
        stdin=env.stdin,
        progress=status_line.update if status_line else None,
        limits=_limits(),
    )
    interrupted = False
    try:
        if records and out.fmt == "json":
            array = _JsonArray(out.stream)
        for item in items:
            if isinstance(item, ScanProblem):
                if item.unreadable or shown < PROBLEMS_SHOWN:
                    if status_line:
                        status_line.clear()
                    warn(str(item))
                    shown += not item.unreadable
            elif not records:
                continue
            elif array is not None:
                array.add(item.to_json())
            elif out.fmt == "jsonl":
                out.jsonl_text(item.to_json_text())
            else:
                out.tsv(item.plain_fields())
    except KeyboardInterrupt:
        if array is not None:
            array.close()  # leave a well-formed array behind
        if records:
            raise
        # tail -f log | smtpcodes scan - --summary: Ctrl-C is how it ends; the summary of
        # what was read is what the user waited for.
        interrupted = summary.interrupted = True
        items.close()
    finally:
        if status_line:
            status_line.clear()
    if array is not None:
        array.close()
    hidden = summary.problems - summary.unreadable - shown
    if hidden > 0:
        warn(f"{hidden} more problem{'s' if hidden != 1 else ''} not shown (see --summary --json)")
    if not records:
        out.scan_summary(summary.to_json(limit=10 if out.fmt == "table" else None))
    if interrupted:
        warn("interrupted: the summary is of what was read until then")
        return ExitStatus.INTERRUPTED
    if summary.unreadable:
        return ExitStatus.ERROR
    if not summary.found:
        warn("nothing recognisable found: no delivery line, no bounce")
        return ExitStatus.NO_RESULT
    return ExitStatus.OK


class _JsonArray:
    """A JSON array written an element at a time, so records stream and Ctrl-C can close it."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.count = 0
        self.closed = False
        stream.write("[")

    def add(self, data: object) -> None:
        from smtpcodes.render import dumps

        self.stream.write(("\n" if not self.count else ",\n") + dumps(data, indent=2))
        self.count += 1

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.stream.write("\n]\n" if self.count else "]\n")


# output_options() describes the usual default; scan's differs.
SCAN_FORMAT_HELP = "Output format (default: the summary table at a terminal, JSON Lines in a pipe)."
for _param in scan.params:
    if _param.name == "fmt" and isinstance(_param, click.Option):
        _param.help = SCAN_FORMAT_HELP


class _StatusLine:
    """A one-line progress report on stderr while input is read, redrawn ten times a second: a bar
    with how much of the current file has been read, when that is known, and what was found."""

    def __init__(self, stream: IO[str], summary: Any) -> None:
        import time

        self.stream = stream
        self.summary = summary
        self.clock = time.monotonic
        self.next = 0.0
        self.width = 0

    def update(self, name: str, done: float | None = None) -> None:
        now = self.clock()
        if now < self.next:
            return
        self.next = now + 0.1
        from smtpcodes.render import safe

        s = self.summary
        read = f"{s.lines:,} lines" if s.lines or not s.messages else f"{s.messages:,} messages"
        found = f", {s.failures:,} failures, {s.deferrals:,} deferrals"
        text = progress_text(safe(name), done, read, found, _columns(self.stream) - 1)
        self.stream.write("\r" + text.ljust(self.width))
        self.stream.flush()
        self.width = len(text)

    def clear(self) -> None:
        if self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.width = 0


BAR = 20  # characters of the progress bar
NAME_MIN = 16  # characters of a file name the progress line keeps before it drops other words


def progress_text(name: str, done: float | None, read: str, found: str, width: int) -> str:
    """The progress line in `width` characters: "scanning NAME: [BAR] PERCENT READ FOUND".

    The bar, the percentage and READ (the count read) are what the line is for, so they are
    kept whole: a long file name is shortened first, in its middle, keeping its end; then
    "scanning " and FOUND go; on a very narrow terminal the bar gets shorter.
    """
    progress = read
    if done is not None:
        filled = round(done * BAR)
        progress = f"[{'#' * filled}{'.' * (BAR - filled)}] {done:4.0%} {read}"
    layouts = (("scanning ", found, NAME_MIN), ("", found, NAME_MIN), ("", "", 5))
    for prefix, tail, least in layouts:
        room = width - len(f"{prefix}: {progress}{tail}")
        if room >= min(len(name), least):
            return f"{prefix}{shorten_middle(name, room)}: {progress}{tail}"
    if done is not None:
        bar = max(3, min(BAR, width - len(f"[] {done:4.0%} {read}")))
        filled = round(done * bar)
        progress = f"[{'#' * filled}{'.' * (bar - filled)}] {done:4.0%} {read}"
    if len(progress) <= width:
        return progress
    return progress[: width - 1] + "…" if width > 0 else ""


def shorten_middle(name: str, width: int) -> str:
    """A path in `width` characters, cut in its middle: its last part (the file's own name)
    is kept whole when it fits, so "/var/log/…/mail.log.2.gz" still says which file."""
    if len(name) <= width:
        return name
    if width <= 1:
        return "…"[:width]
    keep = width - 1  # characters of the name beside the ellipsis
    base = os.path.basename(name.rstrip("/")) or name
    if len(base) + 1 <= keep:  # the start of the path, "…", and "/" with the whole last part
        tail = max(len(base) + 1, keep * 2 // 3)
        return f"{name[: keep - tail]}…{name[len(name) - tail :]}"
    head = keep // 2  # the last part alone, cut in its middle
    return f"{base[:head]}…{base[len(base) - (keep - head) :]}"


def _columns(stream: IO[str]) -> int:
    """The width of the terminal `stream` shows on: COLUMNS when set, as Click and Rich read it."""
    import shutil

    columns = shutil.get_terminal_size((0, 0)).columns
    if columns <= 0 or not os.environ.get("COLUMNS"):
        try:
            columns = os.get_terminal_size(stream.fileno()).columns
        except (AttributeError, OSError, ValueError):
            columns = columns or 80
    return columns


# -- entry point -----------------------------------------------------------------------------------


def _drop_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's final flush of what is still buffered does
    not fail again (with "Exception ignored" on stderr and exit status 120)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):  # no stdout, or not a file (tests)
        pass


def _quiet_broken_pipe() -> NoReturn:
    _drop_stdout()
    sys.exit(ExitStatus.BROKEN_PIPE)


def _echo_failed(exc: BaseException) -> bool:
    """Whether the exception came from click.echo writing stdout: --help and --version write
    there themselves, not through _GuardedStream."""
    tb = exc.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_globals.get("__name__") == "click.utils" and frame.f_code.co_name == "echo":
            return frame.f_locals.get("err") is False
        tb = tb.tb_next
    return False


def _flush_stdout() -> None:
    """Flush what Click or the commands left buffered in sys.stdout (None when it is closed)."""
    if sys.stdout is None:
        return
    try:
        sys.stdout.flush()
    except OSError as exc:
        raise _write_failed(exc) from None


def run(argv: Sequence[str] | None = None, env: Environment | None = None) -> int:
    """Run the CLI and turn every failure into one line on stderr and an exit status."""
    try:
        rv = cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="smtpcodes",
            standalone_mode=False,
            obj=env or Environment(),
        )
        _flush_stdout()
    except click.exceptions.Abort:
        click.echo("", err=True)
        return ExitStatus.INTERRUPTED
    except KeyboardInterrupt:
        return ExitStatus.INTERRUPTED
    except click.UsageError as exc:
        hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx else ""
        warn(f"error: {exc.format_message()}{hint}")
        return ExitStatus.ERROR
    except OutputError as exc:
        _drop_stdout()
        warn(f"error: {exc.format_message()}")
        return exc.exit_code
    except click.ClickException as exc:
        warn(f"error: {exc.format_message()}")
        return exc.exit_code
    except (BrokenPipeError, PipeClosed):
        _quiet_broken_pipe()
    except Exception as exc:
        if isinstance(exc, OSError) and _echo_failed(exc):
            # Click's own writes (--help, --version) do not go through _GuardedStream.
            _drop_stdout()
            warn(f"error: cannot write output: {exc.strerror or exc}")
            return ExitStatus.ERROR
        # Input is written by strangers: a bug it finds must not print a traceback (which can
        # also carry the input's bytes to the terminal). SMTPCODES_DEBUG=1 shows it.
        if os.environ.get("SMTPCODES_DEBUG"):
            raise
        warn(f"internal error: {type(exc).__name__}: {exc} (please report it: see SECURITY.md)")
        return ExitStatus.ERROR
    return rv if isinstance(rv, int) else ExitStatus.OK


def _tolerant_streams() -> None:
    """Characters a terminal's encoding lacks ("…" under Latin-1) are escaped, not a traceback."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            with contextlib.suppress(ValueError, OSError):
                stream.reconfigure(errors="backslashreplace")


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """The console script."""
    _tolerant_streams()
    sys.exit(run(argv))
