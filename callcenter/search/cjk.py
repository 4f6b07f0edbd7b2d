"""Chinese text made searchable by word: segmented with rjieba, words joined by spaces.

SQLite's FTS5 trigram tokenizer finds nothing for 2-character queries (供暖, 漏水 — most
hotline words; ../shared/FACTS.md), so text is segmented before indexing (cut_for_search:
物业费 is indexed as 物业 and 物业费) and both FTS5 `unicode61` and PostgreSQL's `simple`
text search then match whole words. Queries are segmented the same way and every word must
match.
"""

from __future__ import annotations

import unicodedata

import rjieba


def _is_word(token: str) -> bool:
    return any(unicodedata.category(c)[0] in "LN" for c in token)


def segment(text: str) -> str:
    """Index form: the words of the text, lower-cased, space-separated."""
    return " ".join(t.lower() for t in rjieba.cut_for_search(text) if _is_word(t))


def query_words(query: str) -> list[str]:
    """The words a query asks for, without duplicates, in order."""
    out: list[str] = []
    for t in rjieba.cut(query):
        t = t.lower().strip()
        if _is_word(t) and t not in out:
            out.append(t)
    return out


def fts5_match(words: list[str], every: bool = True) -> str:
    """An FTS5 MATCH expression requiring every word (or any); each is quoted, so no user
    text is ever read as FTS5 syntax (AND, NEAR, *, column filters)."""
    return (" AND " if every else " OR ").join('"' + w.replace('"', '""') + '"' for w in words)


def score(indexed: str, words: list[str], mean_length: float) -> float:
    """BM25's term part for a text that holds every query word (so each word's IDF would
    only scale all candidates alike): more occurrences score higher, long texts lower."""
    tokens = indexed.split()
    norm = 1.2 * (0.25 + 0.75 * len(tokens) / max(mean_length, 1.0))
    total = 0.0
    for w in words:
        tf = tokens.count(w)
        total += tf * 2.2 / (tf + norm)
    return total
