"""What the calls' hourly roll-up costs the controller: storing calls with the triggers of
migration 0019 (each write bumps its hour's generation) against the same store without them.

    python3 bench/call_writes.py [--calls 20000] [--batch 50] [--url postgresql://...]

The controller stores calls in batches (services/call_log.py: a batch of new calls inserted,
then the batch updated when they end); both stores get the same batches, alternately, in
the same run, so the ratio holds on a noisy machine. The URL names a server whose
`postgres` database may create and drop two throwaway databases.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, bindparam, insert, text, update

from callcenter.storage.calls_repo import CALLS
from callcenter.storage.engine import make_engine, migrate
from callcenter.storage.uow import UnitOfWork

START = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
DROP = {"sqlite": [f"DROP TRIGGER calls_hour_{event}" for event in ("insert", "update",
                                                                      "delete")],
        "postgresql": [f"DROP TRIGGER calls_hour_{event} ON calls" for event in ("insert",
                                                                                  "update",
                                                                                  "delete")]}


def stores(url: str | None) -> list[Engine]:
    if url is None:
        base = tempfile.mkdtemp(prefix="bench-writes-")
        urls = [f"sqlite:///{base}/{name}.db" for name in ("with", "without")]
    else:
        admin = make_engine(url + "/postgres")
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for name in ("bench_with", "bench_without"):
                conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
                conn.execute(text(f"CREATE DATABASE {name}"))
        admin.dispose()
        urls = [f"{url}/bench_with", f"{url}/bench_without"]
    engines = [make_engine(u) for u in urls]
    for e in engines:
        migrate(e)
    with engines[1].begin() as conn:
        for statement in DROP[engines[1].dialect.name]:
            conn.execute(text(statement))
    return engines


def write(engine: Engine, first: int, n: int) -> float:
    """A batch of n calls arriving a second apart, inserted, then updated as answered."""
    rows = [{"linkedid": f"b{i}", "caller_number": "13800000000", "dialled_number": "12345",
             "started_at": START + timedelta(seconds=i), "queue": "hotline", "fallback": False,
             "queue_joined_at": START + timedelta(seconds=i + 9), "hung_up_by": "",
             "disposition": "in_progress", "disposition_reason": ""}
            for i in range(first, first + n)]
    t0 = time.perf_counter()
    with UnitOfWork(engine) as uow:
        q = insert(CALLS).returning(CALLS.c.linkedid, CALLS.c.id,
                                    sort_by_parameter_order=True)
        ids: dict[str, int] = {lid: cid for lid, cid in uow.session.execute(q, rows)}
    with UnitOfWork(engine) as uow:
        uow.session.execute(
            update(CALLS).where(CALLS.c.id == bindparam("_id")),
            [{"_id": ids[str(r["linkedid"])], "disposition": "answered", "seat": "8001",
              "wait_s": 9.0, "talk_s": 60.0, "hung_up_by": "citizen"} for r in rows])
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=20_000)
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--url", help="a PostgreSQL server (default: two SQLite files)")
    args = ap.parse_args()
    with_t, without = stores(args.url)
    spent = {"with": 0.0, "without": 0.0}
    for first in range(0, args.calls, args.batch):
        pair = [("with", with_t), ("without", without)]
        for name, engine in pair if (first // args.batch) % 2 else pair[::-1]:
            spent[name] += write(engine, first, args.batch)
    per = {k: v / args.calls * 1e6 for k, v in spent.items()}
    print(f"{with_t.dialect.name}: {args.calls:,} calls in batches of {args.batch}, each "
          f"inserted and updated: with the roll-up's triggers {spent['with']:.2f} s "
          f"({per['with']:.0f} µs a call), without {spent['without']:.2f} s "
          f"({per['without']:.0f} µs a call); ratio {spent['with'] / spent['without']:.2f}")
    for e in (with_t, without):
        e.dispose()


if __name__ == "__main__":
    main()
