"""What a unit's reply (处置反馈) must say, and what its public points must not (001 §九).

Pure rules over the reply's structured determinations; each function returns the problems
it finds (empty when the reply is acceptable), so a form can show them all at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


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

# Words that tell the citizen the matter is not solved yet (001 §九: 将, 计划解决, 预计 …).
# Only phrases: single characters like 待 would flag 接待.
NOT_SOLVED_WORDS = ("将", "计划解决", "预计", "拟于", "争取", "正在协调", "下一步")
# Content for the hotline and the unit only, never for the published reply.
INTERNAL_MARKERS = ("内部", "领导批示", "不予公开", "内部资料", "机密", "秘密", "身份证")
_PHONE = re.compile(r"1[3-9]\d{9}|0\d{2,3}-?\d{7,8}")
_ID_CARD = re.compile(r"\d{17}[\dXx]")


@dataclass(frozen=True)
class Reply:
    fact: str
    demand: str
    result: str
    site_visit: str
    public_points: str          # 答复要点, may be published (masked)
    completion_report: str      # 办结汇报, internal
    reason: str = ""            # required for untrue / no basis / too high / other


def reply_problems(kind: Kind, reply: Reply) -> list[str]:
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
    if not reply.public_points.strip():
        problems.append("public_points: the reply points to the citizen are empty")
    if not reply.completion_report.strip():
        problems.append("completion_report: the completion report is empty")
    problems += lint_public_points(reply.public_points)
    return problems


def lint_public_points(text: str) -> list[str]:
    """Words implying "not solved", and internal-only content, in the public reply points."""
    problems = [f"public_points: {w!r} implies the matter is not solved"
                for w in NOT_SOLVED_WORDS if w in text]
    problems += [f"public_points: {w!r} is internal-only content"
                 for w in INTERNAL_MARKERS if w in text]
    if _PHONE.search(text) or _ID_CARD.search(text):
        problems.append("public_points: contains a phone or ID number")
    return problems


@dataclass(frozen=True)
class Callback:
    """The hotline's call back to the citizen (回访)."""

    first_contact_made: bool
    solved: bool
    attitude: int   # satisfaction 1 (very dissatisfied) .. 5 (very satisfied)
    speed: int
    result: int
    note: str = ""

    @property
    def satisfied(self) -> bool:
        return min(self.attitude, self.speed, self.result) >= 3


def callback_problems(cb: Callback) -> list[str]:
    return [f"{name}: satisfaction must be 1-5, got {value}"
            for name, value in (("attitude", cb.attitude), ("speed", cb.speed),
                                ("result", cb.result))
            if not 1 <= value <= 5]


def contradictory(earlier: Reply, later: Reply) -> bool:
    """Two replies of one ticket that disagree on the facts or on whether it was solved."""
    return earlier.fact != later.fact or (earlier.result == "solved") != (later.result == "solved")
