"""What a unit's reply (处置反馈) must say, and what its public points must not (001 §九).

Pure rules over the reply's structured determinations; each function returns the problems
it finds (empty when the reply is acceptable), so a form can show them all at once.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    CONSULTATION = "consultation"  # 咨询
    HELP_REPAIR = "help_repair"    # 求助/报修
    COMPLAINT = "complaint"        # 投诉
    REPORT = "report"              # 举报
    SUGGESTION = "suggestion"      # 意见建议
    PRAISE = "praise"              # 表扬
    OTHER = "other"


# 事实认定: the values valid for each kind of request.
FACT_CHOICES: dict[Kind, frozenset[str]] = {
    Kind.COMPLAINT: frozenset({"true", "partly_true", "untrue"}),
    Kind.REPORT: frozenset({"true", "partly_true", "untrue"}),
    Kind.SUGGESTION: frozenset({"adopted", "partly_adopted", "for_reference", "not_adopted"}),
    Kind.CONSULTATION: frozenset({"policy_exists", "no_policy", "rejects_explanation"}),
    Kind.HELP_REPAIR: frozenset({"true", "partly_true", "untrue"}),
    Kind.PRAISE: frozenset({"true"}),
    Kind.OTHER: frozenset({"true", "partly_true", "untrue", "policy_exists", "no_policy"}),
}
DEMANDS = frozenset({"reasonable", "no_basis", "too_high", "other"})      # 诉求认定
RESULTS = frozenset({"solved", "explained", "on_file", "too_high", "unsolved"})  # 处理结果
SITE_VISITS = frozenset({"yes", "no", "no_site"})                          # 现场查看

# Content for the hotline and the unit only, never for the published reply.
INTERNAL_MARKERS = ("内部", "领导批示", "不予公开", "内部资料", "机密", "秘密", "身份证")
_PHONE = re.compile(r"1[3-9]\d{9}|0\d{2,3}-?\d{7,8}")
_ID_CARD = re.compile(r"\d{17}[\dXx]")


class ReplyRulesError(ValueError):
    pass


@dataclass(frozen=True)
class ReplyRules:
    """The configurable word lists of config/replies.toml."""

    promises: tuple[str, ...] = ()    # phrases that promise instead of report (将于, 预计 …)
    offending: tuple[str, ...] = ()   # words that judge or offend the citizen (无理取闹 …)
    examples: tuple[tuple[str, bool], ...] = field(default=())  # (text, may be published)


def parse_reply_rules(text: str, path: str) -> ReplyRules:
    """The reply word lists of a replies file's text; `path` names it in errors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ReplyRulesError(f"{path}: {exc}") from exc

    def words(section: str, key: str) -> tuple[str, ...]:
        value: Any = data.get(section, {}).get(key)
        if not isinstance(value, list) or not value or not all(
                isinstance(w, str) and w.strip() for w in value):
            raise ReplyRulesError(f"{path}: [{section}] {key} must be a list of words")
        return tuple(value)

    examples = []
    for section in ("promises", "offending"):
        for ex in data.get(section, {}).get("examples", []):
            if not (isinstance(ex, dict) and isinstance(ex.get("text"), str)
                    and isinstance(ex.get("ok"), bool)):
                raise ReplyRulesError(f"{path}: [{section}] examples are {{text, ok}} tables")
            examples.append((ex["text"], ex["ok"]))
    return ReplyRules(words("promises", "phrases"), words("offending", "words"),
                      tuple(examples))


@dataclass(frozen=True)
class Reply:
    fact: str
    demand: str
    result: str
    site_visit: str
    public_points: str          # 答复要点, may be published (masked)
    completion_report: str      # 办结汇报, internal
    # Which part is true (partly true/adopted), why untrue / no basis / too high / other /
    # unsolved: the office reads it before accepting.
    reason: str = ""
    evidence: str = ""          # what shows an "untrue" finding (records, photos, witnesses)


PARTLY = frozenset({"partly_true", "partly_adopted"})


def reply_problems(kind: Kind, reply: Reply, rules: ReplyRules) -> list[str]:
    """Structured determinations valid for the ticket's kind, consistent with each other."""
    problems = []
    if reply.fact not in FACT_CHOICES[kind]:
        problems.append(f"fact: {reply.fact!r} is not a determination for a {kind.value} "
                        f"(one of {', '.join(sorted(FACT_CHOICES[kind]))})")
    if reply.demand not in DEMANDS:
        problems.append(f"demand: {reply.demand!r} is not one of {', '.join(sorted(DEMANDS))}")
    if reply.result not in RESULTS:
        problems.append(f"result: {reply.result!r} is not one of {', '.join(sorted(RESULTS))}")
    if reply.site_visit not in SITE_VISITS:
        problems.append(f"site_visit: {reply.site_visit!r} is not one of "
                        f"{', '.join(sorted(SITE_VISITS))}")
    if reply.demand == "too_high" and reply.result != "too_high":
        problems.append("result: a demand judged too high must have the result 'too_high'")
    needs_reason = reply.fact == "untrue" or reply.demand in ("no_basis", "too_high", "other")
    if needs_reason and not reply.reason.strip():
        problems.append("reason: 'untrue', 'no basis', 'too high' and 'other' need a written "
                        "reason")
    if reply.fact in PARTLY and not reply.reason.strip():
        problems.append("reason: a partly true or partly adopted finding says which part")
    if reply.fact == "untrue" and not reply.evidence.strip():
        problems.append("evidence: an 'untrue' finding names its evidence")
    if reply.result == "unsolved" and not reply.reason.strip():
        problems.append("reason: an unsolved result says why it cannot be solved (§五 杜绝未解决)")
    if not reply.public_points.strip():
        problems.append("public_points: the reply points to the citizen are empty")
    if not reply.completion_report.strip():
        problems.append("completion_report: the completion report is empty")
    return problems + lint_wording(reply.public_points, reply.completion_report, rules)


def lint_wording(public_points: str, completion_report: str, rules: ReplyRules) -> list[str]:
    """The wording rules of a reply's two texts: what the reply form shows as the person
    types, and what a submitted reply is refused for."""
    return lint_public_points(public_points, rules) + [
        f"completion_report: {w!r} judges or offends the citizen"
        for w in rules.offending if w in completion_report]


def lint_public_points(text: str, rules: ReplyRules) -> list[str]:
    """Phrases that promise instead of report, words that offend the citizen, and
    internal-only content, in the public reply points."""
    problems = [f"public_points: {w!r} promises instead of reporting what was done"
                for w in rules.promises if w in text]
    problems += [f"public_points: {w!r} judges or offends the citizen"
                 for w in rules.offending if w in text]
    problems += [f"public_points: {w!r} is internal-only content"
                 for w in INTERNAL_MARKERS if w in text]
    if _PHONE.search(text) or _ID_CARD.search(text):
        problems.append("public_points: contains a phone or ID number")
    return problems


@dataclass(frozen=True)
class Callback:
    """The hotline's call back to the citizen on a closed ticket (回访, 001 §十一)."""

    reached: bool = True             # False: nobody answered; the attempt is counted
    first_contact_made: bool = False  # did the unit contact them first (先行联系)
    solved: bool = False              # 诉求解决
    explained: bool = False           # not solvable now, but explained and understood (§十一2)
    attitude: int = 0   # satisfaction 1 (very dissatisfied) .. 5 (very satisfied)
    speed: int = 0
    result: int = 0
    note: str = ""

    @property
    def satisfied(self) -> bool:
        return self.reached and min(self.attitude, self.speed, self.result) >= 3

    @property
    def reopens(self) -> bool:
        """Dissatisfied, or the matter neither solved nor explained: back for review."""
        return self.reached and not (self.satisfied and (self.solved or self.explained))


def callback_problems(cb: Callback) -> list[str]:
    if not cb.reached:
        return [f"{name}: a citizen not reached gives no answers"
                for name in ("first_contact_made", "solved", "explained", "attitude", "speed",
                             "result") if getattr(cb, name)]
    return [f"{name}: satisfaction must be 1-5, got {value}"
            for name, value in (("attitude", cb.attitude), ("speed", cb.speed),
                                ("result", cb.result))
            if not 1 <= value <= 5]


def contradictory(earlier: Reply, later: Reply) -> bool:
    """Two replies of one ticket that disagree on the facts or on whether it was solved."""
    return earlier.fact != later.fact or (earlier.result == "solved") != (later.result == "solved")
