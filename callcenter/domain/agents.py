"""Agents at seats: logged in or out, ready, or paused with a reason (坐席状态).

Pure. Every change is a new status with the time it began, so the time in each state is the
difference between consecutive statuses. The controller makes the queue follow the stored
statuses; it never takes app_queue's memory for them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

COMMANDS = ("login", "ready", "pause", "logout")


class AgentState(StrEnum):
    LOGGED_OUT = "logged_out"
    READY = "ready"
    PAUSED = "paused"


# Why an agent pauses; the keys are what the desk, the API and app_queue's Reason carry.
PAUSE_REASONS = {"meal": "用餐", "rest": "休息", "training": "培训", "meeting": "会议",
                 "after_call": "话后处理", "no_answer": "未接自动示忙", "other": "其他"}


class AgentError(ValueError):
    """A change refused; `rule` names the rule."""

    def __init__(self, rule: str, why: str) -> None:
        super().__init__(f"{rule}: {why}")
        self.rule = rule


@dataclass(frozen=True)
class AgentStatus:
    seat: str
    agent: str          # who is logged in at the seat ("" when logged out)
    state: AgentState
    reason: str         # a PAUSE_REASONS key when paused, else ""
    since: datetime


AFTER_CALL = "after_call"
NO_ANSWER = "no_answer"


def agent_at(history: Iterable[AgentStatus], at: datetime) -> str:
    """Who was logged in at a seat at `at`: the agent of the seat's last change at or before
    it, taking the changes in the order they were made; "" when logged out or before any.
    (storage/agents_repo.AgentsRepo.agent_at is this in SQL.)"""
    found = ""
    for st in history:
        if st.since <= at:
            found = "" if st.state is AgentState.LOGGED_OUT else st.agent
    return found


def system_pause_applies(current: AgentStatus | None) -> bool:
    """The system pauses only a ready seat: after a call (after-call work, 话后处理) or after
    rings nobody answered; an agent's own pause or logout is left as it is."""
    return current is not None and current.state is AgentState.READY


def after_call_over(current: AgentStatus | None, now: datetime, span: timedelta) -> bool:
    """The seat has been in after-call work for `span` (an agent who paused for another
    reason, or got ready early, is left alone)."""
    return (current is not None and current.state is AgentState.PAUSED
            and current.reason == AFTER_CALL and now - current.since >= span)


def change(current: AgentStatus | None, seat: str, command: str, agent: str, reason: str,
           now: datetime, others: dict[str, AgentStatus]) -> AgentStatus:
    """The seat's next status after `command` (login, ready, pause, logout). `others` are the
    other seats' statuses: an agent is logged in at one seat at a time."""
    state = current.state if current is not None else AgentState.LOGGED_OUT
    if command == "login":
        if state is not AgentState.LOGGED_OUT:
            raise AgentError("login", f"seat {seat} already has {current.agent if current else ''}"
                             " logged in")
        if not agent:
            raise AgentError("login", "say who logs in")
        elsewhere = [s for s, st in others.items()
                     if s != seat and st.agent == agent and st.state is not AgentState.LOGGED_OUT]
        if elsewhere:
            raise AgentError("login", f"{agent} is logged in at seat {elsewhere[0]}")
        return AgentStatus(seat, agent, AgentState.READY, "", now)
    if state is AgentState.LOGGED_OUT or current is None:
        raise AgentError(command, f"nobody is logged in at seat {seat}")
    if command == "ready":
        return AgentStatus(seat, current.agent, AgentState.READY, "", now)
    if command == "pause":
        if reason not in PAUSE_REASONS:
            raise AgentError("pause", f"reason {reason!r} is not one of "
                             f"{', '.join(PAUSE_REASONS)}")
        return AgentStatus(seat, current.agent, AgentState.PAUSED, reason, now)
    if command == "logout":
        return AgentStatus(seat, "", AgentState.LOGGED_OUT, "", now)
    raise AgentError(command, f"commands are {', '.join(COMMANDS)}")
