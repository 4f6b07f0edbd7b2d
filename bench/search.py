"""Transcript search latency at scale: p50/p95 of `TranscriptSearch.search` (ranked, filtered,
snippets, the audit row written) over a store of synthetic Mandarin utterances.

    python3 bench/search.py --segments 1000000 [--url postgresql://...] [--repeat 50]

Utterances are made from hotline phrases; topic words follow a Zipf-like spread, so the most
common (供暖) is in about 4 % of utterances and the rarest in well under 0.1 %. Ten utterances per
call, calls spread over 90 days and 20 seats. Run it on a fresh database.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select

from callcenter.domain.privacy import Role, Viewer
from callcenter.search.cjk import segment
from callcenter.services.transcript_search import Filters, TranscriptSearch
from callcenter.storage import word_index
from callcenter.storage.engine import make_engine, migrate
from callcenter.storage.tables import CallRow, RecordingRow
from callcenter.storage.transcript_tables import SegmentRow
from callcenter.storage.uow import UnitOfWork, UnitsOfWork

TOPICS = ["供暖", "漏水", "物业费", "停电", "噪音", "停水", "垃圾", "违章停车", "油烟", "拖欠工资",
          "电梯故障", "下水道堵塞", "路灯不亮", "占道经营", "房屋质量", "学区划分", "医保报销",
          "公交线路", "燃气泄漏", "宠物扰民"]
FILLER = ["您好", "我想反映一下", "我们小区", "楼上邻居", "已经好几天了", "一直没人管",
          "物业说不归他们管", "请尽快处理", "麻烦登记一下", "我家住在", "三号楼二单元",
          "社区也找过了", "温度只有十几度", "孩子老人受不了", "打了好几次电话", "好的",
          "我帮您记录", "会转给相关部门", "请保持电话畅通", "工作人员会联系您"]
AGENT = Viewer(Role.AGENT, "bench")
START = datetime(2026, 1, 1, tzinfo=UTC)
QUERIES = [  # (label, query, filters)
    ("common word 供暖", "供暖", Filters()),
    ("mid word 停水", "停水", Filters()),
    ("rare word 宠物扰民", "宠物扰民", Filters()),
    ("two words 供暖 温度", "供暖 温度", Filters()),
    ("common word, one seat", "供暖", Filters(seat="8007")),
    ("common word, last 7 days", "供暖", Filters(since=START + timedelta(days=83))),
    ("absent word 地震", "地震", Filters()),
]


def utterance(rng: random.Random, weights: list[float]) -> str:
    parts = rng.sample(FILLER, rng.randint(1, 3))
    if rng.random() < 0.3:
        parts.insert(rng.randint(0, len(parts)), rng.choices(TOPICS, weights)[0])
    return "，".join(parts)


def fill(url: str, segments: int, seed: int = 7) -> None:
    engine = make_engine(url)
    migrate(engine)
    rng = random.Random(seed)
    weights = [1 / (k + 1) for k in range(len(TOPICS))]
    per_call, batch = 10, 10_000
    t = time.perf_counter()
    for first in range(0, segments, batch):
        n = min(batch, segments - first)
        calls = n // per_call
        with UnitOfWork(engine) as uow:
            s = uow.session
            base = (s.scalar(select(func.max(CallRow.id))) or 0) + 1
            s.execute(insert(CallRow), [
                {"id": base + c, "linkedid": f"{base + c}.0", "caller_number": "13800000000",
                 "dialled_number": "12345", "fallback": False, "hung_up_by": "citizen",
                 "disposition": "answered", "disposition_reason": "",
                 "started_at": START + timedelta(seconds=rng.randrange(90 * 86400)),
                 "answered_at": START, "seat": f"80{rng.randrange(20):02d}"}
                for c in range(calls)])
            s.execute(insert(RecordingRow), [
                {"id": base + c, "call_id": base + c, "kind": "citizen", "path": f"{c}.wav",
                 "size_bytes": 1, "duration_s": 60.0, "sha256": "0" * 64, "error": ""}
                for c in range(calls)])
            rows = []
            for k in range(calls * per_call):
                text = utterance(rng, weights)
                cid = base + k // per_call
                rows.append({"recording_id": cid, "call_id": cid, "speaker": "citizen",
                             "start_s": 6.0 * (k % per_call), "end_s": 6.0 * (k % per_call) + 5,
                             "text": text, "words": segment(text), "conf": 0.9})
            new = s.execute(insert(SegmentRow).returning(SegmentRow.id, SegmentRow.words,
                                                         sort_by_parameter_order=True), rows)
            word_index.put(s, word_index.SEGMENTS, [(i, w) for i, w in new])
        done = first + n
        if done % 100_000 == 0 or done == segments:
            print(f"  {done:,} segments, {time.perf_counter() - t:.0f} s", flush=True)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    engine.dispose()


def measure(url: str, repeat: int) -> None:
    engine = make_engine(url)
    search = TranscriptSearch(UnitsOfWork(engine))
    with UnitOfWork(engine, read_only=True) as uow:
        total = uow.session.scalar(select(func.count()).select_from(SegmentRow))
    print(f"{total:,} segments")
    everything = []
    for label, query, filters in QUERIES:
        search.search(query, AGENT, filters)  # warm
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            hits = search.search(query, AGENT, filters)
            times.append((time.perf_counter() - t) * 1000)
        everything += times
        q = statistics.quantiles(times, n=20)
        print(f"  {label:28} {len(hits):3} hits  p50 {statistics.median(times):7.1f} ms  "
              f"p95 {q[18]:7.1f} ms")
    q = statistics.quantiles(everything, n=20)
    print(f"  all queries: p50 {statistics.median(everything):.1f} ms, p95 {q[18]:.1f} ms")
    engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--segments", type=int, default=100_000)
    ap.add_argument("--url", help="store URL (default: a fresh SQLite file)")
    ap.add_argument("--repeat", type=int, default=50)
    ap.add_argument("--skip-fill", action="store_true", help="measure an existing store")
    args = ap.parse_args()
    url = args.url or f"sqlite:///{tempfile.mkdtemp(prefix='bench-search-')}/bench.db"
    if not args.skip_fill:
        t = time.perf_counter()
        fill(url, args.segments)
        print(f"filled in {time.perf_counter() - t:.0f} s")
    measure(url, args.repeat)
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
