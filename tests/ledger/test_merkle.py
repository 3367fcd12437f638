"""The tree's hashes and proofs against the published RFC 6962 / Certificate Transparency test
vectors (the eight reference leaves, their roots, audit paths and consistency proofs), then
against a tree computed straight from the RFC's definition for every size up to 70."""

from __future__ import annotations

import pytest

from agritrace.ledger import merkle

LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f")]
ROOTS = [bytes.fromhex(h) for h in (
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")]
# (leaf index, tree size, audit path)
INCLUSION = [
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
# (old size, new size, proof)
CONSISTENCY = [
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
HASHES = [merkle.leaf_hash(d) for d in LEAVES]
TREE = merkle.subtree_from_leaves(HASHES)


def _root(size: int) -> bytes:
    return merkle.root_of(size, TREE)


def test_roots_are_the_published_ones_by_definition_and_by_appending() -> None:
    growing = merkle.CompactRange()
    assert growing.root() == ROOTS[0]
    for size in range(1, 9):
        assert _root(size) == ROOTS[size]
        growing.append(HASHES[size - 1])
        assert growing.root() == ROOTS[size]


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_audit_paths_are_the_published_ones(index: int, size: int, path: list[str]) -> None:
    expected = [bytes.fromhex(h) for h in path]
    assert merkle.inclusion_path(index, size, TREE) == expected
    assert merkle.verify_inclusion(index, size, HASHES[index], expected, ROOTS[size])


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY)
def test_consistency_proofs_are_the_published_ones(old: int, new: int, proof: list[str]) -> None:
    expected = [bytes.fromhex(h) for h in proof]
    assert merkle.consistency_path(old, new, TREE) == expected
    assert merkle.verify_consistency(old, new, ROOTS[old], ROOTS[new], expected)


def _flip(node: bytes) -> bytes:
    return bytes([node[0] ^ 8]) + node[1:]


def test_every_wrong_inclusion_claim_is_refused() -> None:
    for index, size, path in INCLUSION:
        proof = [bytes.fromhex(h) for h in path]
        leaf, root = HASHES[index], ROOTS[size]
        assert not merkle.verify_inclusion(index + 1, size, leaf, proof, root)
        assert not merkle.verify_inclusion(index ^ 2, size, leaf, proof, root)
        assert not merkle.verify_inclusion(index, size * 2, leaf, proof, root)
        assert not merkle.verify_inclusion(index, size, merkle.leaf_hash(b"x"), proof, root)
        assert not merkle.verify_inclusion(index, size, leaf, proof, ROOTS[0])
        assert not merkle.verify_inclusion(index, size, leaf, [*proof, root], root)
        assert not merkle.verify_inclusion(index, size, leaf, [root, *proof], root)
        assert not merkle.verify_inclusion(index, size, leaf, proof[:-1], root)
        for i in range(len(proof)):
            wrong = list(proof)
            wrong[i] = _flip(wrong[i])
            assert not merkle.verify_inclusion(index, size, leaf, wrong, root)


def test_every_wrong_consistency_claim_is_refused() -> None:
    for old, new, hexes in CONSISTENCY:
        proof = [bytes.fromhex(h) for h in hexes]
        r1, r2 = ROOTS[old], ROOTS[new]
        assert not merkle.verify_consistency(old - 1, new, r1, r2, proof)
        assert not merkle.verify_consistency(old + 1, new, r1, r2, proof)
        assert not merkle.verify_consistency(old, new * 2, r1, r2, proof)
        assert not merkle.verify_consistency(old, new, r2, r1, proof)
        assert not merkle.verify_consistency(old, new, r1, r2, [])
        assert not merkle.verify_consistency(old, new, r1, r2, [*proof, r2])
        assert not merkle.verify_consistency(old, new, r1, r2, [r1, *proof])
        assert not merkle.verify_consistency(old, new, r1, r2, proof[:-1])
        for i in range(len(proof)):
            wrong = list(proof)
            wrong[i] = _flip(wrong[i])
            assert not merkle.verify_consistency(old, new, r1, r2, wrong)
    # the edge cases of the published verifier tests
    assert merkle.verify_consistency(0, 1, b"a", b"b", [])
    assert merkle.verify_consistency(1, 1, b"b", b"b", [])
    assert not merkle.verify_consistency(1, 1, b"a", b"b", [])
    assert not merkle.verify_consistency(2, 1, b"a", b"b", [])
    assert not merkle.verify_consistency(1, 2, b"a", b"b", [])
    assert not merkle.verify_consistency(1, 1, ROOTS[0], ROOTS[0], [ROOTS[0]])


def test_every_leaf_and_every_pair_of_sizes_up_to_70() -> None:
    hashes = [merkle.leaf_hash(bytes([i, i * 7 % 256])) for i in range(70)]
    tree = merkle.subtree_from_leaves(hashes)
    growing = merkle.CompactRange()
    roots = [merkle.EMPTY_ROOT]
    for leaf in hashes:
        growing.append(leaf)
        roots.append(growing.root())
        assert roots[-1] == tree(0, growing.size)
    for size in range(1, 71):
        for index in range(size):
            path = merkle.inclusion_path(index, size, tree)
            assert merkle.verify_inclusion(index, size, hashes[index], path, roots[size])
            assert not merkle.verify_inclusion(index, size, hashes[index - 1] if index else
                                               hashes[1], path, roots[size])
        for old in range(size + 1):
            proof = merkle.consistency_path(old, size, tree)
            assert merkle.verify_consistency(old, size, roots[old], roots[size], proof)
            if 0 < old < size:
                assert not merkle.verify_consistency(old, size, roots[old - 1] if old > 1
                                                     else roots[2], roots[size], proof)
