"""The scan log and the consumers' problem reports (migration branch ``scans``, 0004)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

from agritrace.store.tables import BigId, metadata

# One row per device, code and day (a reload or a language switch is no new scan). No personal
# data: the coarse location is rounded to about 10 km before it is stored, the user agent is
# truncated, the device is a digest of a random first-party cookie and the client a salted
# digest of its address (migration 0008a), kept to count devices and to rate-limit.
scans = Table(
    "scans",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("code", String(300), nullable=False),
    Column("scanned_us", BigInteger, nullable=False),
    Column("lat", Float, nullable=True),
    Column("lon", Float, nullable=True),
    Column("user_agent", String(200), nullable=False, server_default=""),
    Column("device", String(32), nullable=False, server_default=""),
    Column("client", String(64), nullable=False, server_default=""),
    Index("ix_scans_code_scanned_us", "code", "scanned_us"),
    Index("ix_scans_client_scanned_us", "client", "scanned_us"),
    # whether a device scanned a code within a day, read by every page (migration 0035)
    Index("ix_scans_device_code", "device", "code", "scanned_us"),
)

# How many scans of each code are logged and when the first was (migration 0020), and from how
# many distinct devices and places (migration 0045), kept by the transaction that writes them
# (agritrace.scans.log.ScanQueue): a page reads one row, not every scan of a much-scanned code.
# Kept when old months of the scan log are detached (agritrace.store.partitions).
scan_totals = Table(
    "scan_totals",
    metadata,
    Column("code", String(300), primary_key=True),
    Column("scans", BigInteger, nullable=False),
    Column("first_us", BigInteger, nullable=False),
    Column("devices", Integer, nullable=False, server_default="0"),
    Column("places", Integer, nullable=False, server_default="0"),
)

# Each code's distinct devices and places (migration 0045): the writer of a batch of scans learns
# which are new to the code (the rows it inserts) and adds them to scan_totals.
scan_devices = Table(
    "scan_devices",
    metadata,
    Column("code", String(300), primary_key=True),
    Column("device", String(32), primary_key=True),
)
scan_places = Table(
    "scan_places",
    metadata,
    Column("code", String(300), primary_key=True),
    Column("lat", Float, primary_key=True),
    Column("lon", Float, primary_key=True),
)

# A consumer's report about a code, for the producer and the province. ``client_key`` is a
# salted digest of the client address, kept only to rate-limit.
tickets = Table(
    "tickets",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("code", String(300), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("message", Text, nullable=False),
    Column("contact", String(200), nullable=False, server_default=""),
    Column("created_us", BigInteger, nullable=False),
    Column("client_key", String(64), nullable=False),
    # new → assigned (an officer forwarded it to the code's owner) → answered (by the owner) →
    # closed (by the officer): migration 0023, which also renamed 'open' and 'closed'.
    Column("status", String(20), nullable=False, server_default="new"),
    # Set when the producer closes the report (migration 0008).
    Column("handled_us", BigInteger, nullable=True),
    Column("handled_by", String(200), nullable=False, server_default=""),
    Column("answer", Text, nullable=False, server_default=""),
    Column("assigned_org_id", Integer, nullable=True),
    Column("assigned_us", BigInteger, nullable=True),
    Column("assigned_by", String(200), nullable=False, server_default=""),
    Column("closed_us", BigInteger, nullable=True),
    Column("closed_by", String(200), nullable=False, server_default=""),
    # new → acknowledged (the owner or an officer saw it; migration 0037)
    Column("acknowledged_us", BigInteger, nullable=True),
    Column("acknowledged_by", String(200), nullable=False, server_default=""),
    # The reporter's ticket code, as its SHA-256 digest (migration 0037): the code itself is
    # told once to the reporter and kept nowhere, so a copy of the table reveals no reply.
    Column("code_digest", String(64), nullable=True, unique=True),
    # The province a report without a code is sent to (the public form, migration 0037).
    Column("province", String(40), nullable=False, server_default=""),
    Index("ix_tickets_client_key_created_us", "client_key", "created_us"),
    Index("ix_tickets_code", "code"),
)

# A report's photo (migration 0037): checked by its bytes (JPEG, PNG or WebP) and its size
# before the report is stored, in the report's transaction; read by the code's owner and the
# area's officers only, never on a public page.
ticket_photos = Table(
    "ticket_photos",
    metadata,
    Column("ticket_id", BigId, ForeignKey("tickets.id"), primary_key=True),
    Column("media_type", String(20), nullable=False),
    Column("content", LargeBinary, nullable=False),
)
