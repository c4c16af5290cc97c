"""Peer model: fitting on 100,000 submitted assessments, and placing one enterprise.

Fitting is `assessment.peers.fit_peer_model` on the scores frame the app would build
(flat scores + industry, size class, city). Placing is `PeerIndex.benchmark` for one
enterprise (cluster, percentiles in all five peer groups, gaps to the cluster's top
quartile), timed call by call over different enterprises of the population; the index is
built once, as the app's peer service does.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from assessment.peer_service import benchmark_metrics
from assessment.peers import PeerIndex, fit_peer_model
from bench.timing import Row, Target, Timing, clock

NAME = "peers"
PLACEMENTS = 200  # enterprises placed per timed round
SMOKE_PLACEMENTS = 10


def run(ctx) -> list[Row]:
    """Time fitting the model and placing enterprises."""
    n = ctx.size(100_000)
    scores = ctx.scores(n)
    qset = ctx.qset
    samples, model = [], None
    for _ in range(ctx.repeats):  # no warm-up: every fit starts from scratch anyway
        seconds, model = clock(lambda: fit_peer_model(scores, qset))
        samples.append(seconds)
    fit = Timing(tuple(samples))
    metrics = benchmark_metrics(qset)
    build, index = clock(lambda: PeerIndex(model, scores, metrics))
    rng = np.random.default_rng(3)
    records = scores.to_dict("records")
    facts_cols = ("industry", "size_class", "city")
    per_call: list[float] = []
    placements = SMOKE_PLACEMENTS if ctx.smoke else min(PLACEMENTS, n)
    rounds = []
    for _ in range(ctx.repeats + 1):  # the first round warms up and is dropped
        picks = rng.integers(0, n, placements)
        calls = []
        for i in picks:
            rec = records[int(i)]
            sc = {k: (None if v != v else v) for k, v in rec.items() if k not in facts_cols}
            facts = {k: rec[k] for k in facts_cols}
            t0 = time.perf_counter()
            index.benchmark(sc, facts)
            calls.append(time.perf_counter() - t0)
        rounds.append(calls)
    for calls in rounds[1:]:
        per_call += calls
    place = statistics.median(per_call)
    p95 = float(np.percentile(per_call, 95))
    ctx.log(f"peers: fit {fit.median:.2f}s, place {place * 1e3:.2f} ms")
    return [
        Row(
            bench=NAME,
            what=f"fitting the peer model on {n:,} (`fit_peer_model`)",
            value=fit.median,
            unit="s",
            target=Target("max", 10.0),
            repeats=ctx.repeats,
            note=(
                f"k = {model.metadata['k']} chosen by silhouette over k = 3…8; "
                f"fastest {fit.low:.2f} s, slowest {fit.high:.2f} s"
            ),
            extra={"samples": fit.samples},
        ),
        Row(
            bench=NAME,
            what="placing one enterprise in its cluster with percentiles (`PeerIndex.benchmark`)",
            value=place,
            unit="s",
            target=Target("max", 0.005),
            repeats=len(per_call),
            note=(
                f"median of {len(per_call):,} calls over {ctx.repeats} rounds of "
                f"{len(rounds[0])} enterprises; 95th percentile {p95 * 1e3:.2f} ms; "
                f"{len(metrics)} metrics in 5 peer groups; building the index over {n:,} "
                f"took {build:.2f} s"
            ),
            extra={"p95": p95, "index_build": build},
        ),
    ]
