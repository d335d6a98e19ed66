"""In-process comparisons: time several calls in alternating rounds and print a markdown table of medians with
each row's ratio to graphgrad's row of the same kind (bench.kmeans, bench.ctc, bench.segments, bench.vision_ops)."""
from __future__ import annotations

import statistics
import time


def alternate(calls, rounds):
    """{(peer, kind): fn} -> {(peer, kind): [seconds per round]}: every fn once to warm up, then `rounds` rounds
    in which each runs once, in turn, so that a change of machine load hits every peer alike."""
    for fn in calls.values():
        fn()
    times = {key: [] for key in calls}
    for _ in range(rounds):
        for key, fn in calls.items():
            t = time.perf_counter()
            fn()
            times[key].append(time.perf_counter() - t)
    return times


def print_table(times, first_column, ref="graphgrad"):
    """Rows `| kind | peer | ms | / ref |` grouped by kind, in the order the kinds first appear."""
    rounds = len(next(iter(times.values())))
    print(f"| {first_column} | peer | ms (median of {rounds}) | / {ref} |")
    print("| --- | --- | --- | --- |")
    for kind in dict.fromkeys(k for _, k in times):
        base = statistics.median(times[(ref, kind)])
        for (peer, k2), ts in times.items():
            if k2 == kind:
                m = statistics.median(ts)
                print(f"| {kind} | {peer} | {m * 1e3:.2f} | {m / base:.2f}x |")
