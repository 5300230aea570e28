"""``manage.py evaluate_recommendations``: offline Recall@k of people-you-may-know.

Defaults are the M tier's graph (200,000 members, 5,000,000 connections, a few hubs): the
numbers recorded in docs/benchmarks.md. ``--members/--edges`` scale it down for quick runs.
"""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from rounds.network.evaluation import evaluate, synthetic_organizations
from rounds.network.graphgen import GraphSpec


class Command(BaseCommand):
    help = "Measure people-you-may-know Recall@k against random and most-connected baselines."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--members", type=int, default=200_000)
        parser.add_argument("--edges", type=int, default=5_000_000)
        parser.add_argument("--organizations", type=int, default=4_000)
        parser.add_argument("--hubs", type=int, default=8)
        parser.add_argument("--sample", type=int, default=1_000)
        parser.add_argument("--k", type=int, default=10)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--json", action="store_true", help="print one JSON line")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        orgs = synthetic_organizations(
            options["members"], organizations=options["organizations"], seed=options["seed"]
        )
        spec = GraphSpec(
            edges=options["edges"],
            hubs=options["hubs"],
            hub_degree=(2000, 6000),
            seed=options["seed"],
        )
        result = evaluate(
            orgs, spec, sample=options["sample"], k=options["k"], seed=options["seed"]
        )
        elapsed = time.perf_counter() - started
        summary = {
            "members": options["members"],
            "edges": options["edges"],
            "sampled_members": result.members,
            "held_out_edges": result.held_out_edges,
            "recall_at_k": {name: round(value, 4) for name, value in result.recall.items()},
            "k": options["k"],
            "pymk_vs_random": round(result.ratio("random"), 1),
            "pymk_vs_most_connected": round(result.ratio("most_connected"), 1),
            "seconds": round(elapsed, 1),
        }
        if options["json"]:
            self.stdout.write(json.dumps(summary))
            return
        k = options["k"]
        self.stdout.write(
            f"Time-split hold-out (last 10% of edges), {result.members} members, "
            f"{result.held_out_edges} held-out edges, {elapsed:.0f} s\n"
        )
        for name, value in result.recall.items():
            self.stdout.write(f"  Recall@{k} {name:15s} {value:.4f}\n")
        self.stdout.write(
            f"  PYMK / random = {summary['pymk_vs_random']}×, "
            f"PYMK / most-connected = {summary['pymk_vs_most_connected']}×\n"
        )
