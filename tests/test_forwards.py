"""Bounces that people forward or answer, and mail that only talks about one: who failed is the
bounce's recipient, never the forwarder, and a conversation names no failed address. The
fixtures are realistic shapes a review wrote: Gmail, Outlook, Apple Mail and Thunderbird
forwards, localised prefixes (RV, SV), tagged subjects, replies quoting a bounce, real bounces
whose subject starts with Re: or AW:, and forwarded notifications that quote a code."""

from __future__ import annotations

from pathlib import Path

import pytest

from smtpcodes.bounce import parse_message
from smtpcodes.diagnose import diagnose

FIXTURES = Path(__file__).parent / "fixtures" / "forwards"


def recipients(name: str) -> list[tuple[str | None, str | None]]:
    return [(r.recipient, r.message_kind) for r in parse_message((FIXTURES / name).read_bytes())]


@pytest.mark.parametrize(
    ("name", "recipient"),
    [
        ("apple_fwd_quoted.eml", "jane@example.org"),
        ("thunderbird_fwd.eml", "jane@example.org"),
        ("outlook_original_fwd.eml", "jane@example.org"),
        ("rv_fwd.eml", "jane@example.org"),  # Spanish "RV:"
        ("sv_fwd.eml", "jane@example.org"),  # Nordic "SV:" read through its forward line
        ("ext_tag_fwd.eml", "jane@example.org"),  # "[EXTERNAL] FW:"
        ("attached_plain_nosubjectprefix.eml", "jane@example.org"),  # attached, no prefix
        ("list_bounce_re.eml", "jane@example.org"),  # a list manager's "Re:" with a DSN
        ("real_bounce_re_subject.eml", "jane@example.org"),  # a server answering "Re: hello"
        ("real_bounce_aw_subject_daemonless.eml", "jane@example.de"),  # German "AW:"
        ("01_pm_re_dsn.eml", "bob@example.org"),  # a postmaster's DSN titled "Re: ..."
        ("02_exchange_ndr_person.eml", "dave@contoso.com"),  # Exchange NDR, a display name
        ("04_gmail_dsn_failure.eml", "zed@example.net"),
        ("06_inline_fwd_quoted_headers.eml", "frank@partner.example"),  # "> From:" headers
        ("12_vs_finnish_reply.eml", "judy@partner.example"),  # "VS:" with an Outlook block
        ("14_re_bounce_list_manager.eml", "team@lists.example.org"),  # "Re:" list refusal
        ("fwd_no_inner_headers.eml", "jane@example.org"),  # forwarded with no header block
    ],
)
def test_the_bounce_names_who_failed(name: str, recipient: str) -> None:
    found = recipients(name)
    assert found and all(r == recipient for r, _ in found), found
    assert all(kind in ("dsn", "bounce") for _, kind in found)


@pytest.mark.parametrize(
    "name",
    [
        "gmail_reply_quoting.eml",  # a person's reply quoting a bounce
        "y_re_undeliv_note.eml",  # "Re: Undelivered Mail": a question about it
        "x_re_thread_multi.eml",  # a reply in a thread that once forwarded a bounce
        "fwd_personal_mail_with_code.eml",  # a forwarded personal mail quoting a code
        "y_fwd_github_notif.eml",  # a forwarded notification quoting a code
        "09_outlook_reply_underscore.eml",  # Outlook's ____ line above its quoted block
        "10_german_html_reply.eml",  # "Am ... schrieb ...:"
        "11_res_portuguese_reply.eml",  # "RES:"
        "15_sv_reply_quote_wrote_swedish.eml",  # "... skrev:"
        "16_re_fullwidth_ja_reply.eml",  # "RE" with a full-width colon (U+FF1A)
        "05_reply_parcel.eml",  # "the parcel was not delivered": small talk, no code
    ],
)
def test_a_conversation_about_a_bounce_names_no_failed_recipient(name: str) -> None:
    assert all(r is None and kind is None for r, kind in recipients(name))


def test_status_comments_keep_each_recipient_its_own_cause() -> None:
    # Two recipients, each with a Status comment; the text quotes one reply: it is not Tom's.
    jane, tom = diagnose((FIXTURES / "sc1.eml").read_bytes())
    assert (jane.reply.recipient, jane.category) == ("jane@example.org", "user-unknown")
    assert (tom.reply.recipient, tom.category, tom.bounce) == (
        "tom@example.net",
        "mailbox-full",
        "soft",
    )


@pytest.mark.parametrize(
    "name",
    [
        "08_aw_ooo_noheader.eml",  # "AW: Abwesenheitsnotiz", no auto-reply header
        "17_ooo_nicht_zugestellt.eml",  # an out-of-office saying parcels are "nicht zugestellt"
        "19_fr_ooo.eml",  # a French one saying mail is "non remis"
        "18_aw_ooo_nicht_zugestellt.eml",  # "AW:", thanking for "Ihre Nachricht"
    ],
)
def test_an_out_of_office_stays_an_auto_reply(name: str) -> None:
    kinds = [kind for _, kind in recipients(name)]
    assert kinds == ["auto-reply"]
