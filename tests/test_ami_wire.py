"""AMI parser and action builders: pure, no Asterisk needed."""

import json
from pathlib import Path

import pytest

from callcenter.domain.calls import wire_text
from callcenter.telephony.ami import actions as ami_actions
from callcenter.telephony.ami.actions import UnsafeActionError
from callcenter.telephony.ami.parse import AmiParser, parse_message

DATA = Path(__file__).parent / "data"


def encode(messages: list[dict[str, str]]) -> bytes:
    return b"".join(("".join(f"{k}: {v}\r\n" for k, v in m.items()) + "\r\n").encode()
                    for m in messages)


def test_banner_and_messages_in_any_chunking():
    msgs = json.loads((DATA / "answered_call.json").read_text())
    raw = b"Asterisk Call Manager/9.0.0\r\n" + encode(msgs)
    for size in (1, 7, 64, 4096, len(raw)):
        p = AmiParser()
        out = []
        for i in range(0, len(raw), size):
            out += p.feed(raw[i:i + size])
        assert p.banner == "9.0.0"
        assert out == msgs
        assert p.pending == 0


def test_unwanted_events_are_dropped_but_answers_and_responses_kept():
    msgs = json.loads((DATA / "answered_call.json").read_text())
    raw = b"Asterisk Call Manager/9.0.0\r\n" + encode(msgs)
    p = AmiParser(wanted={"Newchannel", "Hangup"})
    out = []
    for i in range(0, len(raw), 13):
        out += p.feed(raw[i:i + 13])
    # Every unwanted event that carries our ActionID (a list answer) still gets through.
    expected = [m for m in msgs if m.get("Event") in ("Newchannel", "Hangup")
                or "ActionID" in m or "Event" not in m]
    assert out == expected
    assert p.skipped == len(msgs) - len(expected) > 0
    assert any("ActionID" in m and m.get("Event") not in ("Newchannel", "Hangup") for m in out)
    assert p.feed(b"Response: Success\r\nActionID: cc-1\r\n\r\n") == [
        {"Response": "Success", "ActionID": "cc-1"}]


def test_wire_text_round_trips_and_identifies_duplicates():
    msgs = json.loads((DATA / "answered_call.json").read_text())
    for m in msgs:
        text = wire_text(m)
        assert parse_message(text.encode()) == {k: v for k, v in m.items() if k != "ActionID"}
        assert wire_text({**m, "ActionID": "other"}) == wire_text(m)
    assert len({wire_text(m) for m in msgs}) == len(msgs)


def test_chinese_text_split_inside_a_character_survives():
    raw = "Event: Newchannel\r\nCallerIDName: 张三丰\r\nUniqueid: 1.1\r\n\r\n".encode()
    cut = raw.index("三".encode()) + 1  # in the middle of a 3-byte character
    p = AmiParser()
    p.banner = ""
    assert p.feed(raw[:cut]) == []
    (msg,) = p.feed(raw[cut:])
    assert msg["CallerIDName"] == "张三丰"


def test_repeated_headers_keep_every_value():
    p = AmiParser()
    p.banner = ""
    (msg,) = p.feed(b"Response: Follows\r\nOutput: a\r\nOutput: b\r\n\r\n")
    assert msg["Output"] == "a\nb"


@pytest.mark.parametrize("bad", ["x\r\nAction: Hangup", "x\nAction: Hangup", "x\rY", "x\x00"])
def test_crlf_in_any_value_is_refused(bad):
    with pytest.raises(UnsafeActionError):
        ami_actions.originate("PJSIP/seat8001", "hotline-seats", "12345", caller_id=bad)
    with pytest.raises(UnsafeActionError):
        ami_actions.queue_pause("PJSIP/seat8001", True, reason=bad)
    with pytest.raises(UnsafeActionError):
        ami_actions.originate("PJSIP/seat8001", "c", "1", variables={"NAME": bad})
    with pytest.raises(UnsafeActionError):
        ami_actions.redirect(bad, "hotline-seats", "12345")


@pytest.mark.parametrize("key", ["Bad Key", "X\r\nY", "ActionID", "", "Variable:"])
def test_unsafe_field_names_are_refused(key):
    with pytest.raises(UnsafeActionError):
        ami_actions.action("Ping", {key: "1"})


def test_action_names_are_plain():
    with pytest.raises(UnsafeActionError):
        ami_actions.action("Ping\r\nAction: Hangup")


def test_encoded_action_is_one_frame():
    frame = ami_actions.queue_add("hotline", "PJSIP/seat8001", "8001").encode("cc-1")
    assert frame.endswith(b"\r\n\r\n") and frame.count(b"\r\n\r\n") == 1
    assert b"ActionID: cc-1\r\n" in frame


@pytest.mark.parametrize("name", ["Ping\n", "Ping\r\n", "Ping\nAction: Hangup"])
def test_action_and_field_names_match_whole(name):
    with pytest.raises(UnsafeActionError):
        ami_actions.action(name)
    with pytest.raises(UnsafeActionError):
        ami_actions.action("Originate", {name: "x"})
    with pytest.raises(UnsafeActionError):
        ami_actions.action("Originate", variables={name: "x"})


def test_a_comma_in_a_variable_value_is_refused():
    with pytest.raises(UnsafeActionError, match="comma"):
        ami_actions.originate("PJSIP/8001", "hotline", "s",
                              variables={"CC_NOTE": "a,CC_ROUTE=evil"})
    ok = ami_actions.originate("PJSIP/8001", "hotline", "s", variables={"CC_NOTE": "张三 来电"})
    assert ("Variable", "CC_NOTE=张三 来电") in ok.fields


def test_an_unterminated_message_is_cut_off():
    p = AmiParser(max_message=64 * 1024)
    p.feed(b"Asterisk Call Manager/9.0.0\r\n")
    chunk = b"X" * 4096
    with pytest.raises(Exception, match="longer than 65536") as exc:
        for _ in range(100):
            p.feed(chunk)
    assert type(exc.value).__name__ == "AmiProtocolError" and p.pending == 0
    # Under the cap, a long message in many reads is still one message.
    big = AmiParser()
    big.feed(b"Asterisk Call Manager/9.0.0\r\n")
    for _ in range(200):
        assert big.feed(b"Output: " + b"y" * 4088 + b"\r\n") == []
    (msg,) = big.feed(b"\r\n")
    assert len(msg["Output"]) == 200 * 4088 + 199 and big.pending == 0
    # A separator split across reads is still found.
    p2 = AmiParser()
    assert p2.feed(b"Response: Success\r\n\r") == []
    assert p2.feed(b"\n") == [{"Response": "Success"}]


def test_a_bare_cr_in_a_value_does_not_split_the_stored_message():
    msg = parse_message(b"Event: Newchannel\r\nCallerIDName: a\rb\r\nUniqueid: 1.1")
    assert msg == {"Event": "Newchannel", "CallerIDName": "a b", "Uniqueid": "1.1"}
    again = parse_message(wire_text(msg).encode())
    assert again == msg
