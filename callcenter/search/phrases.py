"""Key phrases of a ticket's text (what the citizen reported), for the reports' emerging
issues: rjieba's words, with the hotline's own phrases (config/hotline_words.txt) kept whole.

A key phrase is a word of two characters or more that rjieba tags as a noun or a verbal noun,
or a phrase of the hotline dictionary. Person names (tag `nr`) and numbers never are: what a
report shows of a ticket's text must not name or reach anyone.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

MAX_PHRASES = 8
MAX_LENGTH = 16
_KEPT_TAGS = ("n", "ns", "nt", "nz", "vn", "an", "hotline")
_lock = threading.Lock()
_loaded: set[str] = set()


class DictionaryError(ValueError):
    pass


def _rjieba() -> Any:
    # Imported on first use: rjieba takes about 0.17 s to import, and the settings check
    # reads the dictionary's lines in every command, which needs no segmenter.
    import rjieba

    return rjieba


def read_dictionary(path: Path) -> list[str]:
    """One phrase per line; blank lines and lines starting with # are skipped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DictionaryError(f"{path}: {exc}") from exc
    words = []
    for n, line in enumerate(lines, 1):
        word = line.strip()
        if not word or word.startswith("#"):
            continue
        if len(word) > MAX_LENGTH or any(c.isspace() for c in word):
            raise DictionaryError(f"{path}:{n}: a phrase is one word of at most "
                                  f"{MAX_LENGTH} characters")
        words.append(word)
    return words


def use_dictionary(words: list[str]) -> None:
    """Teach the segmenter the hotline's phrases (once per phrase, for the whole process)."""
    with _lock:
        for w in words:
            if w not in _loaded:
                _rjieba().add_word(w, None, "hotline")
                _loaded.add(w)


def key_phrases(text: str) -> list[str]:
    """The text's key phrases, each once, in order of first appearance, at most 8."""
    out: list[str] = []
    for word, tag in _rjieba().tag(text):
        w = word.strip().lower()
        if (len(w) < 2 or len(w) > MAX_LENGTH or w in out or any(c.isdigit() for c in w)
                or tag == "nr" or not (tag in _KEPT_TAGS or w in _loaded)):
            continue
        out.append(w)
        if len(out) == MAX_PHRASES:
            break
    return out
