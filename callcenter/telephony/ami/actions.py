"""AMI action builders. The only way bytes for an action are made.

A CR or LF inside a field would let whoever controls that text (a caller ID, a name typed in
the console) append headers or whole actions. Such a field is refused here, before anything
reaches the socket. Builders exist for the actions later features need (Originate, Redirect,
ConfBridge, ChanSpy through Originate, QueuePause) so none of them hand-writes a frame.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

# Matched whole (fullmatch): "$" alone also matches before a trailing newline, and "Ping\n"
# would put a blank line, the end of a frame, inside the action.
_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_()]{0,63}")
_FORBIDDEN = ("\r", "\n", "\x00")


class UnsafeActionError(ValueError):
    """A field would have broken the AMI framing; nothing was sent."""


@dataclass(frozen=True)
class Action:
    name: str
    fields: tuple[tuple[str, str], ...] = field(default=())

    def encode(self, action_id: str) -> bytes:
        lines = [f"Action: {self.name}", f"ActionID: {action_id}"]
        lines += [f"{k}: {v}" for k, v in self.fields]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")


def _check(label: str, value: str) -> str:
    if not isinstance(value, str):
        raise UnsafeActionError(f"{label}: expected text, got {type(value).__name__}")
    for bad in _FORBIDDEN:
        if bad in value:
            raise UnsafeActionError(f"{label}: contains {bad!r}; refused before sending")
    return value


def action(name: str, fields: Mapping[str, str | int] | None = None,
           variables: Mapping[str, str] | None = None) -> Action:
    if not _KEY.fullmatch(name):
        raise UnsafeActionError(f"action name {name!r} is not a plain AMI name")
    out: list[tuple[str, str]] = []
    for key, value in (fields or {}).items():
        if not _KEY.fullmatch(key) or key.lower() == "actionid":
            raise UnsafeActionError(f"field name {key!r} is not allowed")
        out.append((key, _check(key, str(value))))
    for key, value in (variables or {}).items():
        if not _VARIABLE.fullmatch(key):
            raise UnsafeActionError(f"variable name {key!r} is not allowed")
        if "," in _check(key, value):
            # Asterisk splits a Variable header at commas into several variables.
            raise UnsafeActionError(f"{key}: a comma would split the value into another "
                                    "variable; refused before sending")
        out.append(("Variable", f"{key}={value}"))
    return Action(name, tuple(out))


def login(user: str, secret: str) -> Action:
    return action("Login", {"Username": user, "Secret": secret, "Events": "on"})


def core_show_channels() -> Action:
    return action("CoreShowChannels")


def queue_status(queue: str | None = None) -> Action:
    return action("QueueStatus", {"Queue": queue} if queue else None)


def getvar(channel: str, variable: str) -> Action:
    return action("Getvar", {"Channel": channel, "Variable": variable})


def queue_add(queue: str, interface: str, member_name: str, paused: bool = False,
              penalty: int = 0) -> Action:
    return action("QueueAdd", {"Queue": queue, "Interface": interface,
                               "MemberName": member_name, "StateInterface": interface,
                               "Paused": "true" if paused else "false", "Penalty": penalty})


def queue_penalty(queue: str, interface: str, penalty: int) -> Action:
    return action("QueuePenalty", {"Queue": queue, "Interface": interface, "Penalty": penalty})


def queue_remove(queue: str, interface: str) -> Action:
    return action("QueueRemove", {"Queue": queue, "Interface": interface})


def queue_pause(interface: str, paused: bool, reason: str = "", queue: str = "") -> Action:
    fields: dict[str, str | int] = {"Interface": interface, "Paused": "true" if paused else "false"}
    if queue:
        fields["Queue"] = queue
    if reason:
        fields["Reason"] = reason
    return action("QueuePause", fields)


def originate(channel: str, context: str, exten: str, priority: int = 1,
              caller_id: str = "", timeout_ms: int = 30000,
              variables: Mapping[str, str] | None = None, channel_id: str = "") -> Action:
    """Asynchronous: the answer says only "queued"; the channel's own events tell the rest.
    A ChannelId names the new channel, so its events are ours before it even rings."""
    fields: dict[str, str | int] = {"Channel": channel, "Context": context, "Exten": exten,
                                    "Priority": priority, "Timeout": timeout_ms, "Async": "true"}
    if caller_id:
        fields["CallerID"] = caller_id
    if channel_id:
        fields["ChannelId"] = channel_id
    return action("Originate", fields, variables)


def originate_app(channel: str, application: str, data: str, caller_id: str = "",
                  timeout_ms: int = 30000, channel_id: str = "") -> Action:
    """Originate into an application (Playback of an alert; ChanSpy for listening in)."""
    fields: dict[str, str | int] = {"Channel": channel, "Application": application, "Data": data,
                                    "Timeout": timeout_ms, "Async": "true"}
    if caller_id:
        fields["CallerID"] = caller_id
    if channel_id:
        fields["ChannelId"] = channel_id
    return action("Originate", fields)


def redirect(channel: str, context: str, exten: str, priority: int = 1,
             extra_channel: str = "", extra_context: str = "", extra_exten: str = "") -> Action:
    """Moves a channel (and, at the same instant, a second one) to a dialplan place."""
    fields: dict[str, str | int] = {"Channel": channel, "Context": context, "Exten": exten,
                                    "Priority": priority}
    if extra_channel:
        fields.update({"ExtraChannel": extra_channel,
                       "ExtraContext": extra_context or context,
                       "ExtraExten": extra_exten or exten, "ExtraPriority": priority})
    return action("Redirect", fields)


def confbridge_kick(conference: str, channel: str) -> Action:
    return action("ConfbridgeKick", {"Conference": conference, "Channel": channel})


def hangup(channel: str, cause: int = 16) -> Action:
    return action("Hangup", {"Channel": channel, "Cause": cause})
