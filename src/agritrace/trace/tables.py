"""The trace branch's schema (migration 0002): one index on the event log, mirrored here.

Importing this module adds the index to the shared metadata, so the migration test compares it.
"""

from __future__ import annotations

from sqlalchemy import Index

from agritrace.store.tables import event_terms

event_terms_by_event_role = Index(
    "ix_event_terms_event_pk_role", event_terms.c.event_pk, event_terms.c.role)
