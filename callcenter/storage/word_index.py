"""The word indexes beside the knowledge base and the transcripts, read and written the same
way for both: on SQLite an FTS5 table (rowid = the row's id) kept in step by hand, on
PostgreSQL a generated `words_tsv` column with a GIN index (migrations 0004, 0007).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVarTuple

from sqlalchemy import (
    ColumnElement,
    Select,
    bindparam,
    column,
    func,
    literal_column,
    table,
    text,
)
from sqlalchemy.orm import Session

from callcenter.search.cjk import fts5_match

Ts = TypeVarTuple("Ts")


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


def ranked(s: Session, index: WordIndex, query: Select[*Ts], id_column: Any,
           words: list[str], every: bool = True) -> Select[*Ts]:
    """`query` narrowed to rows containing every word (or, not `every`, any of them), best
    first (bm25 / ts_rank: rows with more of the words first). Filters stay in the same
    statement, so a filter never empties a page that the ranking cut short. Ranking reads
    every match: for small tables (the knowledge base)."""
    q, rank, _ = _matching(s, index, query, id_column, words, every)
    return q.order_by(rank, id_column)


def newest(s: Session, index: WordIndex, query: Select[*Ts], id_column: Any,
           words: list[str]) -> Select[*Ts]:
    """`query` narrowed to rows containing every word, newest (highest id) first, filters in
    the same statement. Cheap however common the words are; callers rank a window of it."""
    q, _, order_id = _matching(s, index, query, id_column, words)
    return q.order_by(order_id.desc())


def _matching(s: Session, index: WordIndex, query: Select[*Ts], id_column: Any,
              words: list[str], every: bool = True
              ) -> tuple[Select[*Ts], ColumnElement[Any], Any]:
    """The narrowed query, its rank order, and the id to order by: on SQLite the FTS table's
    own rowid, so SQLite walks the index backwards for the newest."""
    if _sqlite(s):
        fts = table(index.fts, column("rowid"))
        match: ColumnElement[Any] = literal_column(index.fts)
        return (query.join(fts, fts.c.rowid == id_column)
                .where(match.op("MATCH")(fts5_match(words, every))), func.bm25(match),
                fts.c.rowid)
    tsv: ColumnElement[Any] = literal_column(f"{index.table}.words_tsv")
    simple: ColumnElement[Any] = literal_column("'simple'::regconfig")
    wanted: ColumnElement[Any] = func.plainto_tsquery(simple, " ".join(words))
    if not every:  # tsquery's || is OR; each word parsed alone, so none is read as syntax
        wanted = func.plainto_tsquery(simple, words[0])
        for w in words[1:]:
            wanted = wanted.op("||")(func.plainto_tsquery(simple, w))
    return query.where(tsv.op("@@")(wanted)), func.ts_rank(tsv, wanted).desc(), id_column
