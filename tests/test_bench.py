"""Pure helpers of the benchmark harness: percentiles, ratios, verdicts, wrk parsing."""

from __future__ import annotations

import pytest

from bench.measure import (
    fetch,
    median_ratio,
    parse_wrk_duration,
    parse_wrk_output,
    percentile,
    round_ratios,
    verdict,
)
from bench.targets import BASELINE, TARGETS
from bench.tiers import tier_named

WRK_OUTPUT = """Running 3s test @ http://127.0.0.1:8123/healthz
  1 threads and 1 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   610.52us  100.12us   3.21ms   90.00%
    Req/Sec     1.62k   100.00     1.80k    70.00%
  Latency Distribution
     50%  590.00us
     75%  640.00us
     90%  700.00us
     99%    1.10ms
  4850 requests in 3.00s, 1.02MB read
  Socket errors: connect 0, read 12, write 0, timeout 1
  Non-2xx or 3xx responses: 5
Requests/sec:   1616.50
Transfer/sec:    340.00KB
"""


def test_percentile_interpolates_between_ranks():
    """p50 of an even count is the midpoint; p0/p100 are the extremes."""
    assert percentile([4, 1, 3, 2], 0.5) == 2.5
    assert percentile([5.0], 0.99) == 5.0
    assert percentile([1, 2, 3, 4, 5], 0.0) == 1
    assert percentile([1, 2, 3, 4, 5], 1.0) == 5
    assert percentile(list(range(101)), 0.99) == 99
    with pytest.raises(ValueError):
        percentile([], 0.5)


def test_ratio_is_the_median_of_per_round_ratios():
    """R divides each round by its own baseline, then takes the median over rounds."""
    pages = [10.0, 12.0, 30.0]
    baselines = [1.0, 2.0, 3.0]
    assert round_ratios(pages, baselines) == [10.0, 6.0, 10.0]
    assert median_ratio(pages, baselines) == 10.0
    assert median_ratio([4.0, 8.0], [1.0, 1.0]) == 6.0
    with pytest.raises(ValueError):
        round_ratios([1.0], [1.0, 2.0])
    with pytest.raises(ValueError):
        round_ratios([1.0], [0.0])


def test_verdict_compares_with_the_limit():
    """At or under the limit passes; no limit means informational."""
    assert verdict(8.0, 8.0) == "pass"
    assert verdict(8.01, 8.0) == "FAIL"
    assert verdict(3.0, None) == "—"


def test_wrk_output_is_parsed_to_milliseconds():
    """Percentiles, throughput, and real errors (not the server closing connections)."""
    sample = parse_wrk_output(WRK_OUTPUT)
    assert sample.p50_ms == pytest.approx(0.59)
    assert sample.p99_ms == pytest.approx(1.10)
    assert sample.rps == pytest.approx(1616.5)
    assert sample.requests == 4850
    assert sample.errors == 6  # 5 non-2xx + 1 timeout; read errors are connection closes
    assert parse_wrk_duration("2.00s") == 2000.0
    with pytest.raises(ValueError):
        parse_wrk_output("wrk: connection refused")


def test_only_local_traffic_and_registry_is_well_formed():
    """The client refuses other hosts; every target has a unique name and a known auth."""
    with pytest.raises(ValueError):
        fetch("http://example.org/", {})
    names = [t.name for t in [BASELINE, *TARGETS]]
    assert len(names) == len(set(names))
    assert {t.auth for t in TARGETS} <= {"none", "session", "token"}
    context = {"handle": "a", "q": "b", "specialty": "c", "org": "d", "conversation": "1"}
    context |= {"group": "g", "thread": "2", "post_q": "e", "post_rare": "f", "feed_cursor": ""}
    context |= {"event": "3"}  # bench.events (issue 7)
    assert all(t.url_path(context).startswith("/") for t in TARGETS)
    assert tier_named("m").members == 200_000


@pytest.mark.django_db(transaction=True)
def test_connections_stage_builds_a_consistent_network():
    """A small tier (ORM on SQLite, COPY on PostgreSQL): two rows per tie, exact degrees, the real type rule, a demo
    member of the wanted degree, hubs, pending requests only between unconnected members."""
    import importlib
    from collections import Counter

    from django.apps import apps

    from bench.connections import DEMO_CONNECTIONS, network_viewers
    from bench.generate import STAGES, StageContext, run_stage
    from bench.tiers import Tier
    from rounds.accounts.models import User
    from rounds.network.models import Connection, ConnectionRequest, NetworkState
    from rounds.network.services import member_traits
    from rounds.network.typing import propose_network_type
    from rounds.profiles.demo import DEMO_EMAIL

    # Transactional tests flush the database, vocabularies included: load them again.
    importlib.import_module("rounds.profiles.migrations.0002_load_vocabularies").load(apps, None)

    tier = Tier("T", members=400, connections=6_000, posts=0, events=0, groups=0)
    ctx = StageContext(tier=tier, seed=3)
    for stage in STAGES[:2]:
        run_stage(stage, ctx)

    rows = list(
        Connection.objects.order_by("id").values_list(
            "owner_id", "other_id", "label", "proposed_type", "created_at"
        )
    )
    assert len(rows) == 2 * 6_000
    pairs = {(a, b) for a, b, *_ in rows}
    assert all((b, a) in pairs for a, b in pairs)
    assert [r[4] for r in rows] == sorted(r[4] for r in rows)  # ids follow time
    degree = Counter(a for a, _ in pairs)
    assert dict(NetworkState.objects.values_list("user_id", "degree")) == {
        uid: degree.get(uid, 0) for uid in NetworkState.objects.values_list("user_id", flat=True)
    }
    demo = User.objects.get(email=DEMO_EMAIL)
    assert degree[demo.pk] == min(DEMO_CONNECTIONS, tier.members)
    assert max(degree.values()) >= 100  # hubs (members // 8 at least, for a small tier)
    sample = rows[::97]
    traits = member_traits({x for r in sample for x in r[:2]})
    for owner, other, label, proposed, _ in sample:
        assert proposed == propose_network_type(
            owner=traits[owner], other=traits[other], label=label
        )
    for sender, recipient in ConnectionRequest.objects.values_list("sender_id", "recipient_id"):
        assert (sender, recipient) not in pairs and sender != recipient
    assert "next_to_hubs" in network_viewers(tier)
