"""The word indexes beside the knowledge base and the transcripts, read and written the same
way for both: on SQLite an FTS5 table (rowid = the row's id) kept in step by hand, on
PostgreSQL a generated `words_tsv` column with a GIN index (migrations 0004, 0007).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from callcenter.search.cjk import fts5_match


@dataclass(frozen=True)
class WordIndex:
    table: str  # the indexed table; on PostgreSQL it carries words_tsv
    fts: str    # the SQLite FTS5 table

    # Table names come from the two constants below, never from input.
    def _sql(self, template: str) -> str:
        return template.format(table=self.table, fts=self.fts)


KB = WordIndex("kb_articles", "kb_fts")
SEGMENTS = WordIndex("transcript_segments", "segments_fts")


def _sqlite(s: Session) -> bool:
    return s.get_bind().dialect.name == "sqlite"


def drop(s: Session, index: WordIndex, ids: Sequence[int]) -> None:
    """Forget these rows' words (before the rows are rewritten or deleted)."""
    if _sqlite(s) and ids:
        s.execute(text(index._sql("DELETE FROM {fts} WHERE rowid IN :ids"))
                  .bindparams(bindparam("ids", expanding=True)), {"ids": list(ids)})


def put(s: Session, index: WordIndex, rows: Sequence[tuple[int, str]]) -> None:
    """Index (id, words) rows; PostgreSQL's column follows the table by itself."""
    if _sqlite(s) and rows:
        s.execute(text(index._sql("INSERT INTO {fts} (rowid, words) VALUES (:i, :w)")),
                  [{"i": i, "w": w} for i, w in rows])


def search(s: Session, index: WordIndex, words: list[str], limit: int) -> list[int]:
    """Ids of rows containing every word, best first."""
    if _sqlite(s):
        q = index._sql("SELECT rowid FROM {fts} WHERE {fts} MATCH :m "
                       "ORDER BY bm25({fts}) LIMIT :n")
        return list(s.execute(text(q), {"m": fts5_match(words), "n": limit}).scalars())
    q = index._sql("SELECT id FROM {table} WHERE words_tsv @@ plainto_tsquery('simple', :q) "
                   "ORDER BY ts_rank(words_tsv, plainto_tsquery('simple', :q)) DESC, id "
                   "LIMIT :n")
    return list(s.execute(text(q), {"q": " ".join(words), "n": limit}).scalars())
