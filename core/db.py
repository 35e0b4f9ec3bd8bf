"""Database helpers that must give the same answer on PostgreSQL and SQLite."""

from __future__ import annotations

from django.db import connection
from django.db.models import F
from django.db.models.functions import Collate


def by_code_point(field: str):
    """Order text by code point, as Python sorts str: PostgreSQL's "C" collation (byte order of
    UTF-8, which is code point order); SQLite compares bytes already. A locale collation would
    order Chinese names differently on each server."""
    if connection.vendor == "postgresql":
        return Collate(F(field), "C")
    return F(field)
