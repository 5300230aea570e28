"""``manage.py seed_demo --members N --seed S [--if-empty] [--reset]``: load the demo community."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rounds.profiles.demo import (
    DEMO_EMAIL,
    DEMO_PASSWORD,
    STAFF_EMAIL,
    STAFF_PASSWORD,
    community_exists,
    community_reset,
    seed_community,
)


class Command(BaseCommand):
    help = (
        "Create a realistic, deterministic demo community (organizations, members, profiles, "
        "affiliations) plus the demo and staff accounts. Same --seed and --members, same data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--members", type=int, default=300, help="generated members (default 300)"
        )
        parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing when member profiles already exist (used by `make run`)",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="first delete every account, organization and member-added tag (destructive)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        members: int = options["members"]
        if members < 0 or members > 1_000_000:
            raise CommandError("--members must be between 0 and 1,000,000.")
        if community_exists():
            if options["if_empty"]:
                self.stdout.write("Members already exist; not seeding (--if-empty).")
                return
            if not options["reset"]:
                raise CommandError(
                    "Members already exist. Use --if-empty to skip, or --reset to replace everything."
                )
            community_reset()
        elif options["reset"]:
            community_reset()  # accounts without profiles (e.g. a superuser) may still collide
        summary = seed_community(members=members, seed=options["seed"])
        from rounds.accounts.models import User
        from rounds.network.demo import seed_demo_network

        demo = User.objects.filter(email=DEMO_EMAIL).values_list("pk", flat=True).first()
        ties = seed_demo_network(demo_user_id=demo, seed=options["seed"])
        from rounds.messaging.demo import seed_demo_conversations

        conversations = seed_demo_conversations(demo_user_id=demo, seed=options["seed"])
        from rounds.events.demo import seed_demo_events

        events = seed_demo_events(demo_user_id=demo, seed=options["seed"])
        from rounds.events.demo_prepare import seed_demo_preparation

        seed_demo_preparation(demo_user_id=demo)  # a goal and people met (events, e2)
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {summary.members} members ({members} generated + demo + staff), "
                f"{summary.organizations} organizations, {summary.affiliations} affiliations, "
                f"{ties} connections, {conversations} conversations with the demo member, "
                f"{events} events "
                f"in {summary.seconds:.1f} s (seed {options['seed']})."
            )
        )
        self.stdout.write(f"  Demo login:  {DEMO_EMAIL} / {DEMO_PASSWORD}")
        self.stdout.write(f"  Staff login: {STAFF_EMAIL} / {STAFF_PASSWORD}")
