"""SIPp as phones: citizens who call the line and seats that answer it.

Used by `callcenter simulate` (so a newcomer sees calls flow without a phone) and by the
end-to-end tests. Scenarios are written from Python so the audio file, the key pressed and the
caller number are parameters, checked here, never pasted from user text into XML unchecked.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import quoteattr

from callcenter.speech import rtp_pcap

SIPP_SHARE = Path("/usr/share/sip-tester")
DEFAULT_AUDIO = Path(__file__).resolve().parent / "data" / "citizen.wav"
_NUMBER = re.compile(r"^\+?[0-9]{3,20}$")


class SimulateError(RuntimeError):
    pass


def _sipp() -> str:
    exe = shutil.which("sipp")
    if exe is None:
        raise SimulateError("sipp is not installed: run scripts/setup-host.sh")
    return exe


_HEAD = """<?xml version="1.0" encoding="UTF-8" ?>
<scenario name="hotline citizen">
  <send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: {display}<sip:{caller}@[local_ip]:[local_port]>;tag=[pid]cc[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: sip:{caller}@[local_ip]:[local_port]
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=citizen 1 1 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[local_ip_type] [local_ip]
t=0 0
m=audio [auto_media_port] RTP/AVP 8 101
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rtd="true"{rrs}/>
  <send><![CDATA[
ACK {target} SIP/2.0{routes}
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]cc[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Contact: sip:{caller}@[local_ip]:[local_port]
Max-Forwards: 70
Content-Length: 0

]]></send>
"""

_TAIL = """  <send retrans="500"><![CDATA[
BYE {target} SIP/2.0{routes}
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]cc[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 2 BYE
Contact: sip:{caller}@[local_ip]:[local_port]
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="200"/>
</scenario>
"""


DTMF_MS = 800
_KEY_NAMES = {"#": "pound", "*": "star"}


def _key_steps(keys: Sequence[tuple[str, int]], workdir: Path | None) -> list[str]:
    """SIPp steps that press keys (RFC 2833), each `after_ms` after the one before."""
    steps = []
    for n, (key, after_ms) in enumerate(keys):
        if not re.fullmatch(r"[0-9#*]", key):
            raise SimulateError(f"key {key!r} must be one digit, # or *")
        steps.append(f'  <pause milliseconds="{after_ms}"/>\n')
        dtmf = SIPP_SHARE / f"dtmf_2833_{_KEY_NAMES.get(key, key)}.pcap"
        if workdir is not None:
            # Each press numbered after the one before (rtp_pcap.renumbered says why).
            pressed = workdir / f"key{n}.pcap"
            rtp_pcap.renumbered(dtmf, pressed, 20000 + 50 * n, 2_000_000 + 80_000 * n)
            dtmf = pressed
        steps.append(f"  <nop><action><exec play_pcap_audio={quoteattr(str(dtmf))}/>"
                     "</action></nop>\n")
        # A second play_pcap_audio cuts the first short: let the digit finish.
        steps.append(f'  <pause milliseconds="{DTMF_MS}"/>\n')
    return steps


def keying_phone(local_port: int, media_port: int, keys: Sequence[tuple[str, int]]) -> Sipp:
    """A phone that answers every call and presses keys (a citizen answering a survey)."""
    work = Path(tempfile.mkdtemp(prefix="sipp-keys-"))
    scenario = work / "keys.xml"
    scenario.write_text(_TALKING.format(steps="".join(_key_steps(keys, work))))
    cmd = [_sipp(), "-sf", str(scenario), "-i", "127.0.0.1", "-p", str(local_port),
           "-mp", str(media_port), "-nostdin", "-trace_err", "-trace_msg"]
    proc = subprocess.Popen(cmd, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return Sipp(proc, work)


def citizen_scenario(caller: str, hold_ms: int, audio: Path = DEFAULT_AUDIO,
                     keys: Sequence[tuple[str, int]] = (), workdir: Path | None = None,
                     name: str = "", routed: bool = False) -> str:
    """A citizen who calls, presses keys (each `after_ms` after the previous one, the first
    after the answer), talks (plays audio) and hangs up hold_ms after the line answered.
    `name`: the caller ID name the phone sends (a quoted string: any text a hostile phone
    might put there, quotes escaped as SIP escapes them)."""
    if not _NUMBER.match(caller):
        raise SimulateError(f"caller number {caller!r} must be 3-20 digits")
    if "]]>" in name or any(c in name for c in "\r\n\0"):
        raise SimulateError("a caller ID name cannot hold ]]> or line breaks")
    if not audio.exists():
        raise SimulateError(f"audio capture {audio} not found")
    steps = _key_steps(keys, workdir)
    remaining = max(hold_ms - sum(after + DTMF_MS for _, after in keys), 0)
    steps.append(f"  <nop><action><exec play_pcap_audio={quoteattr(str(audio))}/>"
                 "</action></nop>\n")
    steps.append(f'  <pause milliseconds="{remaining}"/>\n')
    display = ('"' + name.replace("\\", "\\\\").replace('"', '\\"') + '" ') if name else ""
    # Through a proxy that record-routes (Kamailio in front of several Asterisks), the dialog's
    # later requests follow the recorded route to the Contact, as a real phone's do.
    dialog = ({"rrs": ' rrs="true"', "target": "[next_url]", "routes": "\n[routes]"} if routed
              else {"rrs": "", "target": "sip:[service]@[remote_ip]:[remote_port]",
                    "routes": ""})
    return (_HEAD.format(caller=caller, display=display, **dialog) + "".join(steps)
            + _TAIL.format(caller=caller, **dialog))


@dataclass
class Sipp:
    proc: subprocess.Popen[bytes]
    workdir: Path

    def wait(self, timeout: float) -> int:
        return self.proc.wait(timeout)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def errors(self) -> str:
        return "".join(p.read_text(errors="replace") for p in self.workdir.glob("*_errors.log"))


def call(number: str, sip_port: int, local_port: int, media_port: int, caller: str,
         hold_ms: int, audio: Path = DEFAULT_AUDIO, keys: Sequence[tuple[str, int]] = (),
         timeout_s: int = 120, name: str = "", routed: bool = False) -> Sipp:
    """Start one citizen call in the background; `wait()` returns SIPp's exit code (0 = done)."""
    work = Path(tempfile.mkdtemp(prefix="sipp-citizen-"))
    if audio.suffix != ".pcap":
        # A real phone sends audio for the whole call: loop the source to its full length.
        pcap = work / "citizen.pcap"
        rtp_pcap.write_pcap(rtp_pcap.alaw_samples(audio), pcap, hold_ms / 1000 + 1)
        audio = pcap
    scenario = work / "citizen.xml"
    scenario.write_text(citizen_scenario(caller, hold_ms, audio, keys, work, name, routed))
    cmd = [_sipp(), f"127.0.0.1:{sip_port}", "-sf", str(scenario), "-s", number,
           "-i", "127.0.0.1", "-p", str(local_port), "-mp", str(media_port), "-m", "1",
           "-l", "1", "-nostdin", "-timeout", f"{timeout_s}s", "-timeout_error",
           "-trace_err", "-recv_timeout", f"{timeout_s * 1000}"]
    proc = subprocess.Popen(cmd, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return Sipp(proc, work)


def seat_phone(local_port: int, media_port: int) -> Sipp:
    """A phone (a seat's, a unit's) that answers every call at once and echoes the audio
    back."""
    work = Path(tempfile.mkdtemp(prefix="sipp-phone-"))
    cmd = [_sipp(), "-sn", "uas", "-i", "127.0.0.1", "-p", str(local_port),
           "-mp", str(media_port), "-rtp_echo", "-nostdin", "-trace_err", "-trace_msg"]
    proc = subprocess.Popen(cmd, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return Sipp(proc, work)


# The pieces a phone's scenario is made of: answering with our SDP (the To tag names the
# phone's kind), and the line's hang-up.
_ANSWER = """  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]{tag}[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:phone@[local_ip]:[local_port]>
Content-Type: application/sdp
Content-Length: [len]

v=0
o=phone 1 1 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[local_ip_type] [local_ip]
t=0 0
m=audio [auto_media_port] RTP/AVP 8
a=rtpmap:8 PCMA/8000
]]></send>
  <recv request="ACK"/>
"""
_HANG_UP = """  <recv request="BYE"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
</scenario>
"""
_TALKING = ("""<?xml version="1.0" encoding="UTF-8" ?>
<scenario name="talking phone">
  <recv request="INVITE"/>
""" + _ANSWER.format(tag="talk") + "{steps}\n" + _HANG_UP)


def talking_phone(local_port: int, media_port: int, seconds: float = 30,
                  audio: Path = DEFAULT_AUDIO) -> Sipp:
    """A phone that answers every call at once and talks (plays `audio`, looped) until the
    line hangs up."""
    work = Path(tempfile.mkdtemp(prefix="sipp-talking-"))
    pcap = work / "talk.pcap"
    rtp_pcap.write_pcap(rtp_pcap.alaw_samples(audio), pcap, seconds)
    scenario = work / "talking.xml"
    play = f"  <nop><action><exec play_pcap_audio={quoteattr(str(pcap))}/></action></nop>"
    scenario.write_text(_TALKING.format(steps=play))
    cmd = [_sipp(), "-sf", str(scenario), "-i", "127.0.0.1", "-p", str(local_port),
           "-mp", str(media_port), "-nostdin", "-trace_err", "-trace_msg"]
    proc = subprocess.Popen(cmd, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return Sipp(proc, work)


_RINGING = ("""<?xml version="1.0" encoding="UTF-8" ?>
<scenario name="ringing phone">
  <recv request="INVITE"/>
  <send><![CDATA[
SIP/2.0 180 Ringing
[last_Via:]
[last_From:]
[last_To:];tag=[pid]ring[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:phone@[local_ip]:[local_port]>
Content-Length: 0

]]></send>
  <pause milliseconds="{ring_ms}"/>
""" + _ANSWER.format(tag="ring") + _HANG_UP)


def ringing_phone(local_port: int, media_port: int, ring_ms: int) -> Sipp:
    """A phone that rings `ring_ms` before it is picked up (a person at a seat), then echoes
    the audio back until the line hangs up."""
    work = Path(tempfile.mkdtemp(prefix="sipp-ringing-"))
    scenario = work / "ringing.xml"
    scenario.write_text(_RINGING.format(ring_ms=int(ring_ms)))
    cmd = [_sipp(), "-sf", str(scenario), "-i", "127.0.0.1", "-p", str(local_port),
           "-mp", str(media_port), "-rtp_echo", "-nostdin", "-trace_err", "-trace_msg"]
    proc = subprocess.Popen(cmd, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return Sipp(proc, work)


_BUSY = """<?xml version="1.0" encoding="UTF-8" ?>
<scenario name="busy phone">
  <recv request="INVITE"/>
  <send><![CDATA[
SIP/2.0 486 Busy Here
[last_Via:]
[last_From:]
[last_To:];tag=[pid]busy[call_number]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
  <recv request="ACK"/>
</scenario>
"""


def busy_phone(local_port: int) -> Sipp:
    """A phone that is always busy (486): every call to it is refused at once."""
    work = Path(tempfile.mkdtemp(prefix="sipp-busy-"))
    scenario = work / "busy.xml"
    scenario.write_text(_BUSY)
    cmd = [_sipp(), "-sf", str(scenario), "-i", "127.0.0.1", "-p", str(local_port),
           "-nostdin", "-trace_err", "-trace_msg"]
    proc = subprocess.Popen(cmd, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return Sipp(proc, work)


def dialled_numbers(phone: Sipp) -> list[str]:
    """The numbers a phone was called at (the user part of each INVITE's Request-URI), from
    SIPp's message trace."""
    text = "".join(p.read_text(errors="replace") for p in phone.workdir.glob("*_messages.log"))
    return re.findall(r"^INVITE sip:([^@;\s]+)@", text, re.M)
