"""Links in top reasons: the provider's documentation stays readable, tracking ids still group."""

from __future__ import annotations

from pathlib import Path

import pytest

from smtpcodes.scan import ScanRecord, Summary, normalize_reason, scan

APPLE = (
    "554 5.7.1 [CS01] Message rejected due to local policy. "
    "Please visit https://support.apple.com/en-us/HT204137"
)


def _line(n: int, reply: str) -> str:
    return (
        f"Nov 20 06:25:0{n} mail postfix/smtp[211{n}]: 4QxY7b1R2kz9rK{n}: to=<u{n}@icloud.com>, "
        f"relay=mx01.mail.icloud.com[17.57.155.{n}]:25, delay=1.4, delays=0.05/0.01/0.62/0.7, "
        f"dsn=5.7.1, status=bounced (host mx01.mail.icloud.com[17.57.155.{n}] said: {reply} "
        "(in reply to end of DATA command))\n"
    )


def _top_reasons(tmp_path: Path, *replies: str) -> list[dict[str, object]]:
    log = tmp_path / "mail.log"
    log.write_text("".join(_line(n, r) for n, r in enumerate(replies, 1)), encoding="utf-8")
    summary = Summary()
    records = [i for i in scan([str(log)], summary=summary) if isinstance(i, ScanRecord)]
    assert len(records) == len(replies)
    return summary.top_reasons()


def test_apple_documentation_link_is_kept() -> None:
    assert normalize_reason(APPLE) == APPLE


def test_apple_link_in_the_summary(tmp_path: Path) -> None:
    (top,) = _top_reasons(tmp_path, APPLE, APPLE)
    assert top["count"] == 2
    assert "Please visit https://support.apple.com/en-us/HT204137" in str(top["reason"])


def test_tracking_ids_in_a_query_string_group_together(tmp_path: Path) -> None:
    a = "550 5.7.1 Rejected, see https://x.example/?id=ab12cd34&lang=en for details"
    b = "550 5.7.1 Rejected, see https://x.example/?id=9f8e7d6c&lang=en for details"
    assert (
        normalize_reason(a)
        == normalize_reason(b)
        == ("550 5.7.1 Rejected, see https://x.example/?id=<id>&lang=en for details")
    )
    (top,) = _top_reasons(tmp_path, a, b)
    assert top["count"] == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # page names and article numbers are the link's point
        (
            "https://support.google.com/mail/?p=NoSuchUser",
            "https://support.google.com/mail/?p=NoSuchUser",
        ),
        (
            "http://go.microsoft.com/fwlink/?LinkID=526655",
            "http://go.microsoft.com/fwlink/?LinkID=526655",
        ),
        ("https://support.google.com/mail/answer/81126#authentication", None),
        ("https://community.mimecast.com/docs/DOC-1369#554", None),
        # the sender's IP address, a recipient, a timestamp, a token in the fragment
        (
            "http://postmaster.gmx.com/en/error-messages?ip=192.0.2.22&c=rdns",
            "http://postmaster.gmx.com/en/error-messages?ip=<ip>&c=rdns",
        ),
        ("https://www.spamhaus.org/query/ip/192.0.2.1", "https://www.spamhaus.org/query/ip/<ip>"),
        (
            "https://x.example/u?e=bob@example.com&t=1700000000",
            "https://x.example/u?e=<address>&t=<id>",
        ),
        ("https://x.example/r#k3j4h5g6f7", "https://x.example/r#<id>"),
        # brackets and a sentence's full stop stay outside the link
        ("(<https://x.example/?id=ab12cd34>).", "(<https://x.example/?id=<id>>)."),
        # not a web link: the word rule, as before
        ("ftp://x.example/12345678", "<id>"),
    ],
)
def test_link_normalisation(text: str, expected: str | None) -> None:
    assert normalize_reason(text) == (text if expected is None else expected)


def test_a_link_glued_to_text_keeps_the_text() -> None:
    text = "お問い合わせは、https://groups.google.com/support/ まで"
    assert normalize_reason(text) == text


def test_a_long_id_in_a_links_path_is_masked_so_tracking_links_group() -> None:
    first = normalize_reason("550 see https://x.example/track/1700000000123456 for details")
    second = normalize_reason("550 see https://x.example/track/1700000000999999 for details")
    assert first == second == "550 see https://x.example/track/<id> for details"
    # A page's own name is not an id.
    kept = "Please visit https://support.apple.com/en-us/HT204137"
    assert normalize_reason(kept) == kept
