"""A verifiable log of every stored event (RFC 9162 Merkle tree, Ed25519-signed heads).

See docs/ledger.md: what a leaf holds, how the outbox appends without skipping an event, the
signed head format, the export format, and how to check any of it without agritrace.
"""
