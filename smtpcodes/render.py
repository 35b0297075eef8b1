"""Turn results into text: Rich tables and panels for a terminal, tab-separated lines, JSON.

The only module that knows about Rich, and it imports Rich only when a table or colour is drawn:
plain and JSON output never load it. Text that a server or a user wrote is untrusted: it enters Rich
as Text (never markup) and every control character is made visible first.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.table import Table
    from rich.text import Text

__all__ = ["Output", "resolve_format", "safe"]

FORMATS = ("table", "plain", "json", "jsonl")

# C0 controls, DEL and C1 controls, plus the Unicode line/paragraph separators and bidi overrides
# that can rearrange what a terminal shows. str.translate with a table, not a regex: compiling a
# Unicode character class costs more start-up time than the whole lookup of a bare code.
_BIDI_AND_SEPARATORS = (0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
# Lone surrogates stand for undecodable bytes (a file name or an argument that is not UTF-8): a
# strict UTF-8 stream refuses them with a traceback, so they are shown as escapes too.
_SURROGATES = range(0xD800, 0xE000)
_NAMED = {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"}


@functools.cache
def _safe_table() -> dict[int, str]:
    table = {cp: f"\\x{cp:02x}" for cp in (*range(0x20), *range(0x7F, 0xA0))}
    table.update(_NAMED)
    table.update({cp: f"\\u{cp:04x}" for cp in (*_BIDI_AND_SEPARATORS, *_SURROGATES)})
    return table


@functools.cache
def _json_table() -> dict[int, str]:
    # json.dumps already escapes C0 controls; these it would leave raw with ensure_ascii=False.
    return {cp: f"\\u{cp:04x}" for cp in (*range(0x7F, 0xA0), *_BIDI_AND_SEPARATORS, *_SURROGATES)}


def dumps(data: object, *, indent: int | None = None) -> str:
    """JSON with every character that could drive a terminal escaped, other text left readable."""
    separators = (",", ": ") if indent else (",", ":")
    return safe_json(json.dumps(data, ensure_ascii=False, indent=indent, separators=separators))


def safe_json(text: str) -> str:
    """JSON text (from json.dumps with ensure_ascii=False) with the characters that could drive a
    terminal escaped: C1 controls, DEL, bidi overrides, line separators, lone surrogates."""
    if text.isascii() and "\x7f" not in text:
        return text  # the common case, checked in C: nothing to escape
    return text.translate(_json_table())


def safe(text: object) -> str:
    """Untrusted text with every control character shown as an escape, so it cannot drive a terminal."""
    s = "" if text is None else str(text)
    if s.isprintable():
        return s  # no control, separator or bidi character (all are non-printable)
    return s.translate(_safe_table())


INPUT_WIDTH = 80  # characters of an input shown beside each of its findings (plain, table)


def brief(text: object, width: int = INPUT_WIDTH) -> str:
    """Untrusted text made safe, on one line (whitespace runs collapsed), cut to `width` with "…".

    For a column that repeats an input on every row of its findings: the whole input belongs in
    JSON, where it appears once.
    """
    flat = " ".join(("" if text is None else str(text)).split())
    shown = safe(flat)
    if len(shown) <= width:
        return shown
    # Cut the text, not its escapes, so no "\x1b" is left half shown.
    out: list[str] = []
    used = 0
    for ch in flat:
        piece = safe(ch)
        if used + len(piece) > width - 1:
            break
        out.append(piece)
        used += len(piece)
    return "".join(out).rstrip() + "…"


def color_choice(flag: bool | None) -> bool | None:
    """Whether to colour: --color/--no-color decide; else FORCE_COLOR set to anything but ""
    (even "0": force-color.org) turns colour on, even with TERM=dumb and over NO_COLOR, as
    force-color.org's example reads them; else NO_COLOR set to anything but "" (no-color.org)
    turns it off; else None: colour on a terminal that is not TERM=dumb (Rich decides)."""
    if flag is not None:
        return flag
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("NO_COLOR"):
        return False
    return None


def resolve_format(fmt: str | None, as_json: bool, is_tty: bool) -> str:
    """--json wins; then --format; else a table on a terminal and plain lines in a pipe."""
    if as_json:
        return "json"
    if fmt is not None:
        return fmt
    return "table" if is_tty else "plain"


CLASS_STYLE = {
    "success": "green",
    "intermediate": "cyan",
    "transient": "yellow",
    "permanent": "red",
}
_DIGIT_CLASS = {"2": "success", "3": "intermediate", "4": "transient", "5": "permanent"}


def class_of_code(code: str | None) -> str | None:
    """The class name of a code by its first character ("550" -> "permanent"); None for X.s.d."""
    return _DIGIT_CLASS.get((code or "")[:1])


def entry_class(entry: Any) -> str | None:
    """The class a list/search entry is shown with: its code's; for a knowledge-base rule (whose
    code is its id) the class --class selected it for, else its reply or enhanced code's."""
    if entry.kind == "rule":
        return class_of_code(getattr(entry, "class_code", None))
    return class_of_code(entry.code)


def verdict_title(item: Mapping[str, Any]) -> str | None:
    """The title of what the verdict believes the reply means, for plain lines and panel headings.

    A provider rule's own meaning (Microsoft's 5.1.10 is "recipient not found", not IANA's "null
    MX"); else, when a rule read the text and decided the category, that category's title (a
    451 4.7.1 "Greylisted" reply is greylisting, not IANA's "Delivery not authorized"; a 530
    5.7.0 asking for STARTTLS needs TLS, not an "Other or undefined security status"); else the
    registry's title of the code, which alone decided.
    """
    title: str | None = item.get("title")
    provider = item.get("provider_meaning")
    if provider and provider != title:
        return str(provider)
    decided_by_text = item.get("conflict") or item.get("rule_meaning")
    if decided_by_text and item.get("category_title") and item.get("category") != "undetermined":
        return str(item["category_title"])
    return title


# Below these widths a panel (STACK_WIDTH) or a table of several text columns (TABLE_STACK_WIDTH)
# leaves a value a few characters, or none: the rows become "Label: value" lines instead.
STACK_WIDTH = 40
TABLE_STACK_WIDTH = 70

# A DSN's Action field (RFC 3464 section 2.3.3), as the panel says it.
_REPORT_ACTIONS = {
    "failed": "failed (final: the sending server has stopped trying)",
    "delayed": "delayed (a warning: the sending server is still trying)",
    "delivered": "delivered",
    "relayed": "relayed (to a system that sends no further reports)",
    "expanded": "expanded (delivered to a list or alias, which forwards it)",
}


def _vendor_shown(item: Mapping[str, Any], vendor: Mapping[str, Any]) -> bool:
    """Whether a panel shows a provider's own meaning of the code. For a code alone, every one
    (they are the ways to read it); for a diagnosed reply, only the provider that sent it, and
    only when the verdict does not already say the same: another provider's use of the number
    reads as the diagnosis (Microsoft's 4.4.7 under an OpenSMTPD delay notice)."""
    if not item.get("category") or item.get("origin") == "codes":
        return True
    used = f"code:{item.get('enhanced_code')} ({vendor.get('provider')})"
    if any(e.get("rule") == used for e in item.get("evidence") or []):
        return True  # the verdict read the code as this provider does: say whose reading it is
    if not item.get("provider") and vendor.get("category") == item.get("category"):
        return True  # no sender known, and this provider's reading is the verdict's: a clue
    who = vendor.get("provider_name") or vendor.get("provider")
    if who != item.get("provider"):
        return False
    return vendor.get("meaning") not in (item.get("provider_meaning"), verdict_title(item))


def _vendor_note(note: str, vendor: Mapping[str, Any]) -> bool:
    """Whether a note is the explanation's sentence about this provider's use of the code."""
    who = vendor.get("provider_name") or vendor.get("provider")
    return bool(who) and note.startswith(f"{who} uses ")


# The list/search table: widths its columns get at most, and the least a title is given before the
# other columns fold under it.
TITLE_MIN_WIDTH = 30
TITLE_WANT_WIDTH = 50
CODE_MIN_WIDTH = 24  # rule ids run to 40 characters: folded at this width when space is short
CODE_MAX_WIDTH = 40
CODES_MAX_WIDTH = 16
REF_MAX_WIDTH = 40  # a shortened rule source (a URL) runs to 60
REF_MIN_WIDTH = 20
SOURCE_WIDTH = 60  # a rule's source, shortened, in the table's Reference column


def short_source(source: object, width: int = SOURCE_WIDTH) -> str:
    """A rule's source cut to its first citation, without "https://", at most `width` characters:
    "github.com/sisimai/p5-sisimai lib/Sisimai/Rhost/Mimecast.pm (cites ...); see also ..." gives
    its first part. The whole source is in JSON."""
    text = "" if source is None else str(source)
    for stop in ("; ", " ("):
        text = text.split(stop, 1)[0]
    for prefix in ("https://", "http://", "www."):
        text = text.removeprefix(prefix)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


class Output:
    """Where results go and how: the stream, the format, and the colour choice."""

    def __init__(
        self, stream: IO[str], fmt: str, color: bool | None = None, width: int | None = None
    ) -> None:
        self.stream = stream
        self.fmt = fmt
        self.color = color_choice(color)  # None: Rich decides (a terminal, TERM=dumb)
        self.width = width
        self._console: Console | None = None

    # -- plumbing -------------------------------------------------------------------------------
    def line(self, text: str) -> None:
        self.stream.write(text + "\n")

    def tsv(self, fields: Sequence[object]) -> None:
        self.line("\t".join("-" if f is None or f == "" else safe(f) for f in fields))

    def json(self, data: object) -> None:
        self.stream.write(dumps(data, indent=2) + "\n")

    def jsonl(self, data: object) -> None:
        self.stream.write(dumps(data) + "\n")

    def jsonl_text(self, text: str) -> None:
        """One line of JSON Lines already encoded (compact, ensure_ascii=False)."""
        self.stream.write(safe_json(text) + "\n")

    def flush(self) -> None:
        self.stream.flush()

    @property
    def console(self) -> Console:
        if self._console is None:
            from rich.console import Console

            from smtpcodes._streams import isatty

            # Rich reads FORCE_COLOR itself (as forcing a terminal, but not past TERM=dumb):
            # what color_choice decided is passed whole, and with colour off or undecided the
            # terminal is the stream's own answer (so --no-color with FORCE_COLOR set leaves a
            # pipe free of escapes, and a terminal keeps its bold).
            forced = "FORCE_COLOR" in os.environ
            self._console = Console(
                file=self.stream,
                highlight=False,
                markup=False,
                emoji=False,
                force_terminal=True
                if self.color
                else (isatty(self.stream) if forced or self.color is False else None),
                no_color=None if self.color is None else not self.color,
                # "standard", not detected: detection gives no colour under TERM=dumb.
                color_system="standard" if self.color else "auto",
                width=self.width,
                soft_wrap=False,
            )
        return self._console

    def text(self, value: object, style: str | None = None) -> Text:
        from rich.text import Text

        return Text(safe(value), style=style or "")

    def code_text(self, code: str | None, klass: str | None = None) -> Text:
        klass = klass or class_of_code(code)
        return self.text(code or "-", f"bold {CLASS_STYLE[klass]}" if klass else "bold")

    def codes_text(self, codes: Iterable[str]) -> Text:
        from rich.text import Text

        out = Text()
        for i, code in enumerate(codes):
            if i:
                out.append(", ")
            klass = class_of_code(code)
            out.append(safe(code), style=CLASS_STYLE[klass] if klass else "")
        return out

    def print(self, renderable: RenderableType) -> None:
        self.console.print(renderable)

    # -- registry entries (list, search) ----------------------------------------------------------
    def entries(self, items: Sequence[Any], *, codes_only: bool = False) -> None:
        if codes_only:
            for e in items:
                self.line(safe(e.code))
        elif self.fmt == "json":
            self.json([e.to_json() for e in items])
        elif self.fmt == "jsonl":
            for e in items:
                self.jsonl(e.to_json())
        elif self.fmt == "plain":
            for e in items:
                data = e.to_json()
                flags = [f for f in ("deprecated",) if data.get("deprecated")]
                if data.get("standard") is False:
                    flags.append("non-standard")
                self.tsv([e.code, e.kind, entry_class(e), e.title, ",".join(flags)])
        else:
            self._entries_table(items)

    def _entries_table(self, items: Sequence[Any]) -> None:
        from rich.table import Table
        from rich.text import Text

        mixed = len({e.kind for e in items}) > 1  # else the kind is the same on every row
        rows = []
        for e in items:
            data = e.to_json()
            title = self.text(e.title)
            if data.get("deprecated"):
                title = self.text(f"{e.title} [deprecated, use {data.get('replaced_by')}]", "dim")
            elif data.get("standard") is False:
                title.append(" [non-standard]", style="italic")
            related = data.get("associated_reply_codes") or data.get("usual_enhanced_codes") or []
            if data.get("associated_any"):
                related = [*related, "any"]
            if e.kind == "rule":
                related = [c for c in (data.get("reply_code"), data.get("enhanced_code")) if c]
                refs = [short_source(data.get("source"))]  # a rule's reference is its source
            else:
                refs = list(data.get("references") or [])
            codes = self.codes_text(str(c) for c in related)
            reference = self.text("; ".join(str(r) for r in refs if r))
            rows.append((e, title, codes, reference))

        # Titles win the width. The other columns get what their text needs up to a small cap,
        # the title the rest; when that is under TITLE_MIN_WIDTH, the codes, reference and kind
        # go under each title, and long codes (rule ids) above it (at 40 columns five columns
        # left the title 3 characters). What a title does not need beyond TITLE_WANT_WIDTH widens
        # the code and reference columns up to their wider caps.
        width = self.console.width
        code_need = max((len(e.code) for e in items), default=4)
        ref_need = max([len(r[3].plain) for r in rows] + [len("Reference")])
        code_w = max(len("Code"), min(code_need, CODE_MIN_WIDTH))  # a header never breaks
        codes_w = min(max([len(r[2].plain) for r in rows] + [len("Codes")]), CODES_MAX_WIDTH)
        ref_w = min(ref_need, REF_MIN_WIDTH)
        columns = 5 if mixed else 4
        title_w = width - (code_w + (len("enhanced") if mixed else 0) + codes_w + ref_w)
        title_w -= 3 * columns + 1  # padding and borders
        folded = title_w < TITLE_MIN_WIDTH
        stacked = folded and code_w > width // 4
        lines = width < STACK_WIDTH  # no table: a code and its title, details under them
        folded = folded or lines
        spare = max(0, title_w - TITLE_WANT_WIDTH)
        grow = max(0, min(spare, min(code_need, CODE_MAX_WIDTH) - code_w))
        code_w += grow
        ref_w += max(0, min(spare - grow, min(ref_need, REF_MAX_WIDTH) - ref_w))

        table = Table(show_header=True, header_style="bold", expand=False)
        if stacked:
            table.add_column("Code and title")
        else:
            table.add_column("Code", max_width=code_w, min_width=len("Code"), overflow="fold")
            if mixed and not folded:
                table.add_column("Kind", no_wrap=True)
            table.add_column("Title")
        if not folded:
            table.add_column("Codes", width=codes_w)
            table.add_column("Reference", width=ref_w, overflow="fold")
        for e, title, codes, reference in rows:
            if folded:
                details = Text(style="dim")
                for part in (self.text(e.kind) if mixed else None, codes, reference):
                    if part is not None and part.plain:
                        details.append(" · " if details.plain else "")
                        details.append_text(part)
                if details.plain:
                    title.append("\n")
                    title.append_text(details)
            if lines:
                self.print(Text.assemble(self.code_text(e.code, entry_class(e)), "  ", title))
            elif stacked:
                table.add_row(Text.assemble(self.code_text(e.code, entry_class(e)), "\n", title))
            elif folded:
                table.add_row(self.code_text(e.code, entry_class(e)), title)
            elif mixed:
                table.add_row(
                    self.code_text(e.code, entry_class(e)),
                    self.text(e.kind),
                    title,
                    codes,
                    reference,
                )
            else:
                table.add_row(self.code_text(e.code, entry_class(e)), title, codes, reference)
        if not lines:
            self.print(table)

    # -- validation --------------------------------------------------------------------------------
    def validations(self, items: Sequence[Any]) -> None:
        if self.fmt == "json":
            self.json([v.to_json() for v in items])
        elif self.fmt == "jsonl":
            for v in items:
                self.jsonl(v.to_json())
        elif self.fmt == "plain":
            for v in items:
                shown = brief(v.input)
                if not v.findings:
                    self.tsv([shown, "ok", "", "", "valid"])
                for f in v.findings:
                    self.tsv([shown, f.severity, f.rule, f.reference, f.message])
        else:
            self._validations_table(items)

    def _validations_table(self, items: Sequence[Any]) -> None:
        from rich.table import Table

        severity_style = {"error": "bold red", "warning": "yellow", "info": "cyan"}
        if self.console.width < TABLE_STACK_WIDTH:
            for v in items:
                rows: list[tuple[str | Text, Text]] = [("Input", self.text(brief(v.input), "dim"))]
                if not v.findings:
                    rows.append(("ok", self.text("valid", "green")))
                for f in v.findings:
                    severity = self.text(f.severity, severity_style.get(f.severity))
                    rows.append((severity, self.text(f"{f.message} ({f.rule}; {f.reference})")))
                self.print(self._stacked(None, rows))
            return
        table = Table(show_header=True, header_style="bold")
        # No header breaks mid-word; the finding gets most of the width (a rule id too long for
        # its line folds rather than ending in an ellipsis).
        table.add_column("Input", ratio=1, min_width=len("Input"), overflow="fold")
        table.add_column("Severity", no_wrap=True)
        table.add_column("Finding", ratio=3, min_width=len("Finding"), overflow="fold")
        table.add_column("Reference", ratio=1, min_width=len("Reference"))
        for v in items:
            shown = brief(v.input)
            if not v.findings:
                table.add_row(self.text(shown), self.text("ok", "green"), self.text("valid"), "")
            for f in v.findings:
                table.add_row(
                    self.text(shown),
                    self.text(f.severity, severity_style.get(f.severity)),
                    self.text(f"{f.message} ({f.rule})"),
                    self.text(f.reference),
                )
        self.print(self._fitted(table))

    def _fitted(self, table: Table) -> Table:
        """The table, spread over the terminal's width by its columns' ratios when it is too wide
        for it (Rich otherwise shrinks each column in proportion, and the widest text, the one
        that matters, loses most)."""
        from rich.measure import Measurement

        unbounded = self.console.options.update_width(1 << 16)  # else the measure is clamped
        if Measurement.get(self.console, unbounded, table).maximum > self.console.width:
            table.expand = True
        return table

    # -- explanations and verdicts -----------------------------------------------------------------
    def explanations(self, items: Sequence[Mapping[str, Any]]) -> None:
        """Explain/diagnose results, given as their JSON objects (one shape for every format)."""
        if self.fmt == "json":
            self.json(list(items))
        elif self.fmt == "jsonl":
            for item in items:
                self.jsonl(item)
        elif self.fmt == "plain":
            for item in items:
                self.tsv(
                    [
                        item.get("input"),
                        item.get("reply_code"),
                        item.get("enhanced_code"),
                        item.get("class"),
                        item.get("category"),
                        item.get("bounce"),
                        item.get("retry"),
                        verdict_title(item),
                        # Last, so scripts that cut the first eight columns keep working.
                        item.get("recipient"),
                        item.get("location"),
                    ]
                )
        else:
            for item in items:
                self.print(self._panel(item))

    def _panel(self, item: Mapping[str, Any]) -> RenderableType:
        from rich.panel import Panel
        from rich.table import Table
        from rich.text import Text

        klass = item.get("class")
        style = CLASS_STYLE.get(klass or "", "")
        heading = Text()
        codes = " ".join(c for c in (item.get("reply_code"), item.get("enhanced_code")) if c)
        heading.append(safe(codes or "?"), style=f"bold {style}")
        title = verdict_title(item)
        if title:
            heading.append("  " + safe(title), style="bold")
        stacked = self.console.width < STACK_WIDTH
        # Rich cuts a title too long for the border mid-word; an ellipsis says it was cut.
        room = max(10, self.console.width - 6)
        cut = heading.cell_len > room and not stacked
        rows: list[tuple[str, Text]] = []

        def row(label: str, value: object, value_style: str | None = None) -> None:
            if value in (None, "", [], ()):
                return
            rows.append((label, self.text(value, value_style)))

        if cut:
            # The heading's sentence is often the answer (a provider's own words): when the
            # border cut it, the first row gives it whole, wrapped.
            row("Title", title, "bold")
        if item.get("category"):
            verdict = f"{item['category']}"
            if item.get("bounce"):
                verdict += f" ({item['bounce']} bounce)"
            row("Verdict", verdict, f"bold {style}")
            row("Whose problem", item.get("party"))
            row("Text vs code", item.get("conflict"), "yellow")
        row("Class", klass, style)
        row("Subject", item.get("subject"))
        if title != item.get("title"):
            # The registry's words for the code, which the text overruled: labelled as the code's.
            row("Code title", item.get("title"))
            row("Code meaning", item.get("description"))
        else:
            row("Meaning", item.get("description"))
        reply = item.get("reply")
        if reply and reply.get("title"):
            row("Reply code", f"{reply['code']}: {reply['title']}")
        if item.get("recipient"):
            row("Recipient", item.get("recipient"))
        row("Report", _REPORT_ACTIONS.get(item.get("action_field") or "", item.get("action_field")))
        if item.get("provider"):
            row("Provider", item.get("provider"))
            if item.get("provider_meaning") != title:
                row("Provider says", item.get("provider_meaning"))
        if item.get("rule_meaning") and item.get("rule_meaning") != item.get("provider_meaning"):
            row("Rule says", item.get("rule_meaning"))
        row("Retry", item.get("retry"))
        row("What to do", item.get("action") or item.get("advice"))
        # For an enhanced code, IANA's reply codes for it; for a reply code alone, the key holds
        # the enhanced codes usually sent with it: labelled by what is listed.
        related = [str(c) for c in item.get("associated_reply_codes") or []]
        label = "Enhanced codes" if any("." in c for c in related) else "Reply codes"
        row(label, ", ".join(related))
        row("References", "; ".join(item.get("references") or []))
        vendors = item.get("vendor_meanings") or []
        for note in item.get("notes") or []:
            # A provider's use of the code is its Vendor meaning row (with the source), or hidden.
            if not any(_vendor_note(note, v) for v in vendors):
                row("Note", note, "italic")
        for v in vendors:
            if _vendor_shown(item, v):
                who = v.get("provider_name") or v.get("provider")
                row("Vendor meaning", f"{who}: {v.get('meaning')} [{v.get('source')}]")
        for f in item.get("findings") or []:
            row(f"RFC {f['severity']}", f"{f['message']} ({f['reference']})")
        for e in item.get("evidence") or []:
            row("Evidence", f"{e.get('rule')}: {e.get('matched')!r} [{e.get('source')}]", "dim")
        if item.get("confidence"):
            row("Confidence", item.get("confidence"))
        row("Input", item.get("input"), "dim")
        if stacked:
            return self._stacked(heading, rows)
        heading.truncate(room, overflow="ellipsis")
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(ratio=1)
        for label, value in rows:
            grid.add_row(label, value)
        return Panel(grid, title=heading, title_align="left", border_style=style or "none")

    def _stacked(
        self, heading: Text | None, rows: Sequence[tuple[str | Text, Text]]
    ) -> RenderableType:
        """Rows as "Label: value" lines under a heading, each wrapped to the terminal: what a
        table or a panel becomes on a terminal too narrow for columns (a phone's SSH client)."""
        from rich.console import Group
        from rich.text import Text

        lines: list[RenderableType] = [] if heading is None else [heading]
        for label, value in rows:
            line = Text(style="")
            line.append_text(label if isinstance(label, Text) else Text(label, style="bold"))
            line.append(": ", style="bold")
            line.append_text(value)
            lines.append(line)
        return Group(*lines, Text(""))

    # -- scan summaries ----------------------------------------------------------------------------
    _SUMMARY_SECTIONS = (
        ("by_category", "category"),
        ("by_class", "class"),
        ("by_bounce", "bounce"),
        ("by_provider", "provider"),
        ("by_domain", "recipient domain"),
    )

    def scan_summary(self, data: Mapping[str, Any]) -> None:
        """A scan's summary (smtpcodes.scan.Summary.to_json()): table, plain lines or JSON."""
        if self.fmt == "json":
            self.json(data)
        elif self.fmt == "jsonl":
            self.jsonl(data)
        elif self.fmt == "plain":
            if data.get("interrupted"):
                self.tsv(["interrupted", "true"])  # only then: the usual lines are unchanged
            for key, value in data["totals"].items():
                self.tsv(["total", key, value])
            for section, name in self._SUMMARY_SECTIONS:
                for key, value in data.get(section, {}).items():
                    self.tsv([name, key, value])
            for r in data["top_reasons"]:
                codes = [r.get("reply_code"), r.get("enhanced_code")]
                where = r["example"]["location"]
                self.tsv(["reason", r["count"], r["category"], *codes, r.get("reason"), where])
            for p in data["problems"]:
                self.tsv(["problem", p["location"], p["kind"], p["reason"]])
        else:
            self._scan_summary_table(data)

    def _scan_summary_table(self, data: Mapping[str, Any]) -> None:
        from rich.columns import Columns
        from rich.table import Table
        from rich.text import Text

        t = data["totals"]
        read = [f"{t[k]:,} {k}" for k in ("lines", "messages") if t[k]] or ["nothing"]
        heading = self.text(f"Read {' and '.join(read)} from {t['inputs']:,} input(s): ")
        heading.append(f"{t['deliveries']:,} deliveries, {t['delivered']:,} delivered, ")
        heading.append(f"{t['failures']:,} failed", style=CLASS_STYLE["permanent"])
        heading.append(", ")
        heading.append(f"{t['deferrals']:,} deferred", style=CLASS_STYLE["transient"])
        if t["problems"]:
            heading.append(f", {t['problems']:,} problem(s)", style="bold")
        if data.get("interrupted"):
            heading.append(" (interrupted: what was read until then)", style="bold yellow")
        self.print(heading)
        counted = t["failures"] + t["deferrals"]
        width = self.console.width
        tables: list[RenderableType] = []
        for section, name in self._SUMMARY_SECTIONS:
            if not data.get(section):
                continue
            # (key coloured by class where it is one, count, share of the failures and deferrals)
            counts = [
                (
                    self.text(key, CLASS_STYLE.get(key) if section == "by_class" else None),
                    f"{value:,}",
                    f"{100 * value / counted:.1f}%" if counted else None,
                )
                for key, value in data[section].items()
            ]
            if width < STACK_WIDTH:  # "key: count (share)" lines
                rows: list[tuple[str | Text, Text]] = [
                    (key, self.text(f"{count} ({share})" if share else count))
                    for key, count, share in counts
                ]
                tables.append(self._stacked(Text(f"By {name}", style="bold"), rows))
                continue
            table = Table(title=f"By {name}", title_justify="left", header_style="bold")
            table.add_column(name.capitalize(), max_width=40)
            table.add_column("Count", justify="right", no_wrap=True)
            table.add_column("Share", justify="right", no_wrap=True)
            for key, count, share in counts:
                table.add_row(key, count, share or "-")
            tables.append(table)
        if tables and width < STACK_WIDTH:
            for stacked in tables:
                self.print(stacked)
        elif tables:
            self.print(Columns(tables, padding=(1, 2)))
        if data["top_reasons"] and width < TABLE_STACK_WIDTH:
            self.print(self._stacked_reasons(data["top_reasons"]))
        elif data["top_reasons"]:
            table = Table(
                title="Top reasons", title_justify="left", header_style="bold", expand=True
            )
            table.add_column("Count", justify="right", no_wrap=True)
            table.add_column("Category", no_wrap=True)
            table.add_column("Codes", no_wrap=True)
            table.add_column("Reason (addresses, IPs and ids replaced)", ratio=3)
            table.add_column("Example", ratio=2, overflow="fold", min_width=len("Example"))
            for r in data["top_reasons"]:
                codes, reason, where = self._reason_parts(r)
                table.add_row(f"{r['count']:,}", self.text(r["category"]), codes, reason, where)
            self.print(table)

    def _reason_parts(self, r: Mapping[str, Any]) -> tuple[Text, Text, Text]:
        """A top reason's codes (coloured by class), its text, and where an example is."""
        from rich.text import Text

        codes = Text()
        for code in (r.get("reply_code"), r.get("enhanced_code")):
            if code:
                codes.append(" " if codes else "")
                codes.append_text(self.code_text(code))
        reason = r.get("reason") or "-"
        example = r["example"]
        # The file's name is enough to find it among the inputs; JSON and plain keep the path.
        location = str(example["location"])
        where = f"{os.path.basename(location) or location} {example.get('recipient') or ''}"
        where = where.strip()
        shown = reason if len(reason) <= 160 else reason[:159] + "…"
        return codes, self.text(shown), self.text(where, "dim")

    def _stacked_reasons(self, reasons: Sequence[Mapping[str, Any]]) -> RenderableType:
        """Top reasons on a narrow terminal: "COUNTx CATEGORY CODES: reason (example)"."""
        from rich.text import Text

        rows: list[tuple[str | Text, Text]] = []
        for r in reasons:
            codes, reason, where = self._reason_parts(r)
            label = Text(f"{r['count']:,}x {r['category']}", style="bold")
            if codes:
                label.append(" ")
                label.append_text(codes)
            reason.append(" (")
            reason.append_text(where)
            reason.append(")")
            rows.append((label, reason))
        return self._stacked(Text("Top reasons", style="bold"), rows)
