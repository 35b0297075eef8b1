"""The verdict cache's key: what varies from line to line is left out, every other field counts."""

from __future__ import annotations

import pytest

from smtpcodes import diagnose
from smtpcodes.diagnose import Verdict, diagnose_reply
from smtpcodes.parse import Reply, replace

BASE = Reply(
    text="Recipient address rejected: User unknown in local recipient table",
    raw="550 5.1.1 Recipient address rejected: User unknown in local recipient table",
    reply_code="550",
    enhanced_code="5.1.1",
    origin="postfix",
    remote_host="mx.example.com",
    remote_ip="192.0.2.1",
    recipient="a@example.com",
    smtp_command="RCPT TO",
    dsn_status="5.1.1",
    log_status="bounced",
    queue_id="4QAAAA",
    timestamp="Nov 20 06:00:15",
)


def _uncached(reply: Reply) -> Verdict | None:
    return diagnose._diagnose(reply, diagnose.rule_matches(reply))


def test_varying_fields_share_one_verdict() -> None:
    diagnose._VERDICTS.clear()
    first = diagnose_reply(BASE)
    other = BASE._replace(
        text=BASE.text + " (id 12345)",
        raw=BASE.raw + " (id 12345)",
        lines=("x",),
        recipient="b@example.com",
        queue_id="4QBBBB",
        timestamp="Nov 21 07:00:00",
        location="maillog:7",
    )
    second = diagnose_reply(other)
    assert len(diagnose._VERDICTS) == 1
    assert first is not None and second is not None
    assert second == _uncached(other)
    assert second.reply is other


@pytest.mark.parametrize(
    "field",
    [f for f in Reply._fields if f not in diagnose._VARYING],
)
def test_every_other_field_is_part_of_the_key(field: str) -> None:
    diagnose._VERDICTS.clear()
    diagnose_reply(BASE)
    changed = replace(BASE, **{field: "x-unix" if field == "diagnostic_type" else "4.4.1"})
    verdict = diagnose_reply(changed)
    assert len(diagnose._VERDICTS) == 2
    assert verdict == _uncached(changed)


def test_x_unix_raw_is_part_of_the_key() -> None:
    diagnose._VERDICTS.clear()
    unix = BASE._replace(diagnostic_type="x-unix", text="", reply_code="554", enhanced_code=None)
    first = diagnose_reply(unix)
    second = diagnose_reply(unix._replace(raw="exit status 75"))
    assert len(diagnose._VERDICTS) == 2
    assert first == _uncached(unix)
    assert second == _uncached(unix._replace(raw="exit status 75"))


def test_a_verdict_is_immutable_and_hashable() -> None:
    # The cache shares a verdict's parts between lines: none of them may be changed in place.
    diagnose._VERDICTS.clear()
    first = diagnose_reply(BASE)
    again = diagnose_reply(BASE._replace(queue_id="4QCCCC"))
    assert first is not None and again is not None and first.code_sources
    assert isinstance(first.code_sources, tuple)
    assert {first, again, first} == {first, again}
    assert dict(first.code_sources) == first.to_json()["code_sources"]
