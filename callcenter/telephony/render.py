"""Render dialplan/ templates into Asterisk configuration files.

Templates use {{name}} marks (Asterisk's own ${...} stay untouched). Every value put into a
template has been validated by config.validate(); an unknown mark is an error, not a blank.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from pathlib import Path

from callcenter.config import PROJECT_ROOT, Settings
from callcenter.contract import dialplan as variables

TEMPLATE_DIR = PROJECT_ROOT / "dialplan"
_MARK = re.compile(r"\{\{([a-z_]+)\}\}")
# Files written for the sandbox; an operator with their own Asterisk #includes the first three.
HOTLINE_FILES = ("extensions.conf", "queues.conf", "pjsip.conf", "confbridge.conf")
SANDBOX_FILES = (*HOTLINE_FILES, "manager.conf", "modules.conf", "logger.conf", "rtp.conf",
                 "cel.conf", "cel_custom.conf")
# What a citizen hears before the queue: the greeting and the recording notice, nothing more
# (GB/T 33358 answers within 15 s; a seat rings about 7 s after answer with the shipped texts).
# The emergency advice is the queue's periodic announcement instead (queues.conf).
PRELUDE = ("greeting", "recorded")


class RenderError(ValueError):
    pass


def fill(template: str, values: dict[str, str]) -> str:
    def sub(m: re.Match[str]) -> str:
        key = m.group(1)
        if key not in values:
            raise RenderError(f"template mark {{{{{key}}}}} has no value")
        value = values[key]
        multiline = key in ("trunk_section", "seat_sections", "periodic_announce",
                            "queue_announce", "conference_sounds", "skill_routes")
        if "\r" in value or ("\n" in value and not multiline):
            raise RenderError(f"value for {key} contains a line break")
        return value

    return _MARK.sub(sub, template)


def pjsip_sections(settings: Settings, seat_secrets: dict[str, str]) -> tuple[str, str]:
    seats: list[str] = []
    if settings.profile == "sandbox":
        trunk = (
            "[citizens](hotline-endpoint)\ncontext = hotline-inbound\n\n"
            "[citizens]\ntype = identify\nendpoint = citizens\n"
            f"match = 127.0.0.1:{settings.trunk_sandbox_port}\n\n"
            "; Any other softphone on this machine may call the sandbox line too.\n"
            "[anonymous](hotline-endpoint)\ncontext = hotline-inbound\n\n"
            "; The sandbox's public network: units' and duty phones are SIPp here.\n"
            f"[{settings.trunk_outbound}](hotline-endpoint)\ncontext = hotline-inbound\n"
            f"aors = {settings.trunk_outbound}\n\n"
            f"[{settings.trunk_outbound}]\ntype = aor\n"
            f"contact = sip:{settings.trunk_outbound}@127.0.0.1:"
            f"{settings.trunk_sandbox_out_port}\n"
        )
        for seat in settings.seats:
            seats.append(
                f"[{seat.endpoint}](hotline-endpoint)\ncontext = hotline-seats\n"
                f"aors = {seat.endpoint}\ncallerid = \"{seat.name}\" <{seat.id}>\n\n"
                f"[{seat.endpoint}]\ntype = aor\n"
                f"contact = sip:{seat.endpoint}@127.0.0.1:{seat.sandbox_port}\n\n"
                f"[{seat.endpoint}]\ntype = identify\nendpoint = {seat.endpoint}\n"
                f"match = 127.0.0.1:{seat.sandbox_port}\n"
            )
    else:
        trunk = "; production: the operator's trunk sends calls to context hotline-inbound\n"
        for seat in settings.seats:
            secret = seat_secrets.get(seat.id)
            if not secret:
                raise RenderError(f"no SIP secret for seat {seat.id} in "
                                  f"{settings.seat_secrets_file}: run `callcenter seat-secrets`")
            seats.append(
                f"[{seat.endpoint}](hotline-endpoint)\ncontext = hotline-seats\n"
                f"auth = {seat.endpoint}\naors = {seat.endpoint}\n"
                f"callerid = \"{seat.name}\" <{seat.id}>\n\n"
                f"[{seat.endpoint}]\ntype = auth\nauth_type = userpass\n"
                f"username = {seat.endpoint}\npassword = {secret}\n\n"
                f"[{seat.endpoint}]\ntype = aor\nmax_contacts = 1\n"
            )
    return trunk, "\n".join(seats)


def values(settings: Settings, ami_secret: str, seat_secrets: dict[str, str]) -> dict[str, str]:
    trunk, seats = pjsip_sections(settings, seat_secrets)
    prelude = [p for p in PRELUDE if settings.prompts.get(p)]
    return {
        "number": settings.number,
        "language": settings.language,
        "timezone": settings.timezone,
        "rec_root": settings.asterisk_recording_root.rstrip("/"),
        "agi_host": settings.agi_host,
        "agi_port": str(settings.agi_port),
        "agi_script": variables.AGI_SCRIPT_ROUTE,
        "agi_script_status": variables.AGI_SCRIPT_STATUS,
        "agi_script_survey": variables.AGI_SCRIPT_SURVEY,
        "agi_script_duty": variables.AGI_SCRIPT_DUTY,
        "prelude_prompts": "&".join(f"hotline/{p}" for p in prelude) or "silence/1",
        "menu_timeout": str(settings.menu_timeout),
        "emergency_priority": "10",  # above everyone else's 0
        "requeue_priority": "5",     # a transferred citizen: before new calls, after emergencies
        "queue": settings.queue_name,
        "skill_routes": _skill_routes(settings),
        "max_wait": str(settings.queue_max_wait),
        "strategy": settings.queue_strategy,
        "ring_timeout": str(settings.queue_ring_timeout),
        "retry": str(settings.queue_retry),
        "wrapup": str(settings.queue_wrapup),
        "periodic_announce": _periodic_announce(settings),
        "queue_announce": _queue_announce(settings),
        "ami_host": settings.ami_host,
        "ami_port": str(settings.ami_port),
        "ami_user": settings.ami_user,
        # Validated by config; written normalised, so nothing but an address reaches the file.
        "ami_permit": str(ipaddress.ip_network(settings.ami_permit, strict=False)),
        "ami_secret": ami_secret,
        "sip_port": str(settings.sip_port),
        "rtp_start": str(settings.rtp_start),
        "rtp_end": str(settings.rtp_end),
        # After hours: what the citizen hears before the duty phone rings, and before a message.
        "night_prompt": "hotline/night" if settings.prompts.get("night") else "silence/1",
        "message_prompt": "hotline/night_message" if settings.prompts.get("night_message")
        else "beep",
        "emergency_advice": "Playback(hotline/emergency)" if settings.prompts.get("emergency")
        else "Wait(2)",
        "hold_prompt": "hotline/hold" if settings.prompts.get("hold") else "silence/1",
        "trunk": settings.trunk_outbound,
        "duty_ring": str(settings.duty_ring_timeout),
        "message_max": str(settings.duty_message_max),
        # Told to the unit before it joins: whose call this is.
        "unit_notice": "hotline/conference_to_unit" if settings.prompts.get(
            "conference_to_unit") else "silence/1",
        "conference_sounds": "\n".join(
            f"{option} = hotline/{name}" for option, name in (
                ("sound_join", "conference_unit"), ("sound_leave", "conference_unit_left"))
            if settings.prompts.get(name)),
        "trunk_section": trunk,
        "seat_sections": seats,
    }


def _skill_routes(settings: Settings) -> str:
    lines = []
    for q in settings.skill_queues:
        for key in q.choices:
            lines += [f"exten => {key},1,Queue({q.name},r,,,{q.overflow_after})",
                      " same => n,Goto(s,1)"]
    return "\n".join(lines) or "; (none configured)"


def _periodic_announce(settings: Settings) -> str:
    if not settings.prompts.get("emergency") or settings.queue_emergency_every <= 0:
        return "periodic-announce-frequency = 0"
    return (f"periodic-announce = hotline/emergency\n"
            f"periodic-announce-frequency = {settings.queue_emergency_every}")


# app_queue's position and wait announcements, spoken by our prompts of the same name.
QUEUE_SOUNDS = ("youarenext", "thereare", "callswaiting", "quantity1", "quantity2", "holdtime",
                "minute", "minutes", "seconds", "thankyou")


def _queue_announce(settings: Settings) -> str:
    missing = [f"queue_{s}" for s in QUEUE_SOUNDS if not settings.prompts.get(f"queue_{s}")]
    if settings.queue_announce_every <= 0 or missing:
        return "announce-frequency = 0"  # Asterisk's English sounds would not be understood
    lines = [f"announce-frequency = {settings.queue_announce_every}",
             "min-announce-frequency = 15", "announce-position = yes",
             "announce-holdtime = yes", "announce-round-seconds = 0"]
    lines += [f"queue-{s} = hotline/queue_{s}" for s in QUEUE_SOUNDS]
    return "\n".join(lines)


def render_text(name: str, settings: Settings, vals: dict[str, str]) -> str:
    """One file's text. queues.conf: its queue section once per queue (the general one and
    each skill queue), the same settings for all."""
    template = (TEMPLATE_DIR / name).read_text(encoding="utf-8")
    if name != "queues.conf":
        return fill(template, vals)
    head, mark, section = template.partition("[{{queue}}]")
    queues = [settings.queue_name, *(q.name for q in settings.skill_queues)]
    return fill(head, vals) + "".join(
        fill(mark + section, {**vals, "queue": q}) + "\n" for q in queues)


def render(settings: Settings, out_dir: Path, ami_secret: str,
           seat_secrets: dict[str, str] | None = None,
           files: tuple[str, ...] = SANDBOX_FILES) -> list[Path]:
    vals = values(settings, ami_secret, seat_secrets or {})
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in files:
        text = render_text(name, settings, vals)
        target = out_dir / name
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written


KAMAILIO_MODULES = Path("/usr/lib/x86_64-linux-gnu/kamailio/modules")


def render_proxy(listen: tuple[str, int], asterisks: Sequence[tuple[str, int]],
                 out: Path) -> Path:
    """The SIP proxy's files (dialplan/kamailio/): kamailio.cfg listening on `listen`, and
    dispatcher.list with each Asterisk's SIP address; returns the config's path. Addresses
    are checked to be addresses and ports, nothing else reaches the files."""
    def address(host: str, port: int) -> str:
        try:
            ip = ipaddress.ip_address(host)
        except ValueError as exc:
            raise RenderError(f"proxy: {host!r} is not an IP address") from exc
        if not 0 < port < 65536:
            raise RenderError(f"proxy: port {port} out of range")
        return f"[{ip}]:{port}" if ip.version == 6 else f"{ip}:{port}"

    if not asterisks:
        raise RenderError("proxy: no Asterisk to send calls to")
    out.mkdir(parents=True, exist_ok=True)
    listed = out / "dispatcher.list"
    listed.write_text("".join(f"1 sip:{address(h, p)}\n" for h, p in asterisks))
    cfg = out / "kamailio.cfg"
    cfg.write_text(fill((TEMPLATE_DIR / "kamailio" / "kamailio.cfg").read_text(), {
        "listen": address(*listen), "list_file": str(listed),
        "modules": str(KAMAILIO_MODULES)}))
    return cfg
