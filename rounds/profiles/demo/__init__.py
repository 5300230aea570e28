"""A realistic, deterministic demo community: organizations, members, profiles, affiliations.

Two layers, so the same community can be written by the ORM (``seed_demo``, SQLite or
PostgreSQL, hundreds of members) and by PostgreSQL COPY (``bench/generate.py``, 200,000):

1. ``CommunityGenerator`` — pure Python, no database. Draws organizations and members from
   seeded ``random.Random`` streams (one per concern, derived from the seed) and Faker's
   locale name tables. Same seed, same size, same code → the same community, byte for byte.
2. ``CommunityRows`` — turns the generated specs into table rows (dicts keyed by field
   ``attname``) with explicit primary keys, and hands them to a *sink*: ``OrmSink`` here
   (``bulk_create``), a COPY sink in ``bench/generate.py``.

Structure that later features rely on: every member has one current affiliation at a
workplace (hospital, clinic, practice, university, medical school, company, non-profit or
government body), whose sizes are heavy-tailed (Pareto weights), with the department named
after the member's specialty; members mostly live in their workplace's city; some hold a
second current position (a faculty appointment at a medical school in the same city, or a
professional society for their specialty family) and some list past positions (residency,
medical school, an earlier job). Every workplace has at least a few members.

Fixed accounts: ``demo@rounds.example`` / ``rounds-demo-2026`` (a complete physician profile)
and ``staff@rounds.example`` / ``rounds-staff-2026`` (site staff, verifies NPIs). Generated
members share one precomputed password hash (of the demo password) so seeding never hashes
more than twice.
"""

from .generator import (
    ANCHOR,
    DEMO_EMAIL,
    DEMO_HANDLE,
    DEMO_PASSWORD,
    MEMBER_EMAIL_DOMAIN,
    STAFF_EMAIL,
    STAFF_HANDLE,
    STAFF_PASSWORD,
    AffiliationSpec,
    CommunityGenerator,
    MemberSpec,
    OrganizationSpec,
)
from .rows import (
    CommunityRows,
    IdAllocator,
    OrmSink,
    RowSink,
    SeedSummary,
    community_exists,
    community_models,
    community_reset,
    password_hashes,
    reset_sequences,
    seed_community,
    vocabulary_ids,
)

__all__ = [
    "ANCHOR",
    "DEMO_EMAIL",
    "DEMO_HANDLE",
    "DEMO_PASSWORD",
    "MEMBER_EMAIL_DOMAIN",
    "STAFF_EMAIL",
    "STAFF_HANDLE",
    "STAFF_PASSWORD",
    "AffiliationSpec",
    "CommunityGenerator",
    "CommunityRows",
    "IdAllocator",
    "MemberSpec",
    "OrganizationSpec",
    "OrmSink",
    "RowSink",
    "SeedSummary",
    "community_exists",
    "community_models",
    "community_reset",
    "password_hashes",
    "reset_sequences",
    "seed_community",
    "vocabulary_ids",
]
