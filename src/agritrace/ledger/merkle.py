"""Merkle tree hashing, inclusion and consistency proofs as RFC 9162 (section 2.1) defines them.

The tree of n leaves d[0:n] hashes as::

    MTH({})      = SHA-256()
    MTH({d0})    = SHA-256(0x00 || d0)                       the leaf hash
    MTH(D[n])    = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))   k: largest power of two < n

Proofs are computed from a ``SubtreeHash`` function (the store answers it from its perfect
subtrees, tests from a list of leaves), so the same code serves the database and an export.
The verification functions follow the RFC's algorithms (2.1.3.2 and 2.1.4.2) step by step:
they are what a reader of the log runs, and they need nothing but the hashes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

#: The hash of the leaves [start, end) of the tree.
SubtreeHash = Callable[[int, int], bytes]


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(size: int) -> int:
    """k, the largest power of two smaller than ``size`` (size > 1)."""
    return 1 << ((size - 1).bit_length() - 1)


def perfect(start: int, end: int) -> int | None:
    """The level of [start, end) if it is a whole aligned subtree (2**level leaves), else None."""
    width = end - start
    if width & (width - 1) or start % width:
        return None
    return width.bit_length() - 1


def root_of(size: int, subtree: SubtreeHash) -> bytes:
    return EMPTY_ROOT if size == 0 else subtree(0, size)


def inclusion_path(index: int, size: int, subtree: SubtreeHash) -> list[bytes]:
    """PATH(m, D[n]): the audit path of leaf ``index`` in the tree of ``size`` leaves."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    path: list[bytes] = []
    start, end = 0, size
    # Walk down from the root, collecting the sibling of each step; the RFC lists them leaf first.
    while end - start > 1:
        k = split(end - start)
        if index < start + k:
            path.append(subtree(start + k, end))
            end = start + k
        else:
            path.append(subtree(start, start + k))
            start += k
    path.reverse()
    return path


def consistency_path(old: int, new: int, subtree: SubtreeHash) -> list[bytes]:
    """PROOF(m, D[n]) = SUBPROOF(m, D[n], true)."""
    if not 0 <= old <= new:
        raise ValueError(f"no consistency proof from {old} to {new}")
    if old in (0, new):
        return []
    proof: list[bytes] = []
    start, end, whole = 0, new, True
    m = old
    while True:
        width = end - start
        if m == width:
            if not whole:
                proof.append(subtree(start, end))
            break
        k = split(width)
        if m <= k:
            proof.append(subtree(start + k, end))
            end = start + k
        else:
            proof.append(subtree(start, start + k))
            start += k
            m -= k
            whole = False
    proof.reverse()
    return proof


def verify_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes],
                     root: bytes) -> bool:
    """RFC 9162 section 2.1.3.2: does ``path`` prove leaf hash ``leaf`` at ``index``?"""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(old: int, new: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """RFC 9162 section 2.1.4.2: is the tree of ``old`` leaves a prefix of the one of ``new``?"""
    if old > new:
        return False
    if old == new:
        return not proof and old_root == new_root
    if old == 0:
        return not proof
    items = list(proof)
    if old & (old - 1) == 0:  # a power of two: the old root is the proof's implied first node
        items.insert(0, old_root)
    if not items:
        return False
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = items[0]
    for c in items[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


class CompactRange:
    """The roots of the perfect subtrees covering leaves [0, size): enough to append a leaf and
    to compute the root, in O(log n) memory (how an export is verified as it streams)."""

    def __init__(self) -> None:
        self.size = 0
        self.stack: list[bytes] = []  # left to right, the largest subtree first

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add a leaf hash; returns the perfect subtrees completed, as (level, index, hash)."""
        return self.extend((leaf,))

    def extend(self, leaves: Iterable[bytes]) -> list[tuple[int, int, bytes]]:
        """Add leaf hashes in order; returns the perfect subtrees completed, as (level, index,
        hash). One loop with the hashing inlined: the log's outbox runs it for every event."""
        done: list[tuple[int, int, bytes]] = []
        stack, size, sha256 = self.stack, self.size, hashlib.sha256
        for leaf in leaves:
            done.append((0, size, leaf))
            node, level, index = leaf, 0, size
            size += 1
            while index & 1:
                node = sha256(b"\x01" + stack.pop() + node).digest()  # node_hash
                level += 1
                index >>= 1
                done.append((level, index, node))
            stack.append(node)
        self.size = size
        return done

    def root(self) -> bytes:
        if not self.stack:
            return EMPTY_ROOT
        node = self.stack[-1]
        for left in reversed(self.stack[:-1]):
            node = node_hash(left, node)
        return node


def subtree_from_leaves(leaves: Sequence[bytes]) -> SubtreeHash:
    """MTH over a list of leaf hashes, straight from the definition (small trees, tests)."""

    def mth(start: int, end: int) -> bytes:
        if end - start == 1:
            return leaves[start]
        k = split(end - start)
        return node_hash(mth(start, start + k), mth(start + k, end))

    return mth
