"""docs/figures.md lists every figure key the code produces, and no key the code lost."""

import re
from collections import Counter
from pathlib import Path

from callcenter.domain import figures as f

DOC = (Path(__file__).parent.parent / "docs" / "figures.md").read_text(encoding="utf-8")


def test_every_key_is_documented_and_every_documented_key_exists():
    t = f.Tally(units={"u": Counter()}, seats={"8001": Counter(calls_answered=1)},
                agents={"a": Counter()})
    keys = set(f.figures(t)) | set(f.unit_figures(t)["u"])
    people = f.people_figures(t)
    keys |= set(people["seats"]["8001"]) | set(people["agents"]["a"])
    documented = set(re.findall(r"^\| `([a-z0-9_]+)` \|", DOC, re.MULTILINE))
    assert keys - documented == set(), "undocumented"
    assert documented - keys == set(), "documented but gone"
