#!/usr/bin/env python3
"""Statements a Starling process ran, from its log with RUST_LOG=sqlx::query=debug:
count, mean and total time of each statement shape, most frequent first.
    bench/federation/sql-split.py serve.log [TOP]
(KEEP_WORK=1 RUST_LOG="sqlx::query=debug,warn" bench/federation/fanout.sh … keeps the log
in the work folder it names.) Times are the statement's own, on its connection's worker
thread; the hand-off to and from that thread is not included."""
import collections
import re
import sys

stats = collections.defaultdict(lambda: [0, 0.0])
for line in open(sys.argv[1], errors="replace"):
    if "sqlx::query" not in line:
        continue
    m = re.search(r'db\.statement="(.*?)" rows_affected.*elapsed_secs=([0-9.e-]+)', line)
    if not m:
        continue
    text = re.sub(r"(\\n|\s)+", " ", m.group(1)).replace('\\"', "").strip()
    # One shape per statement: literal lists of placeholders collapsed.
    text = re.sub(r"\?(, \?)+", "?…", text)
    key = text[:110]
    stats[key][0] += 1
    stats[key][1] += float(m.group(2))
top = int(sys.argv[2]) if len(sys.argv) > 2 else 20
total = sum(t for _, t in stats.values())
print(f"{'count':>7} {'mean ms':>8} {'total s':>8}  statement (all: {total:.2f} s)")
for key, (n, t) in sorted(stats.items(), key=lambda kv: -kv[1][1])[:top]:
    print(f"{n:7d} {t * 1000 / n:8.3f} {t:8.3f}  {key}")
