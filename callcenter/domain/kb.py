"""Knowledge base articles (知识库) and the requests that keep them right (001 第四章)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class RequestKind(StrEnum):
    NOT_FOUND = "not_found"    # 查无: a citizen asked something the base does not answer
    CORRECTION = "correction"  # 纠错: an article is wrong or out of date


@dataclass(frozen=True)
class Article:
    question: str
    answer: str
    policy_source: str
    owner_unit: str
    valid_from: date
    review_due: date
    valid_to: date | None = None

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


def article_problems(a: Article) -> dict[str, str]:
    out = {}
    for name, limit in (("question", 500), ("answer", 5000), ("policy_source", 200)):
        value = getattr(a, name)
        if not value.strip():
            out[name] = "required"
        elif len(value) > limit:
            out[name] = f"at most {limit} characters"
    if not a.owner_unit.strip():
        out["owner_unit"] = "required"
    if a.valid_to is not None and a.valid_to < a.valid_from:
        out["valid_to"] = "before valid_from"
    if a.review_due < a.valid_from:
        out["review_due"] = "before valid_from"
    return out
