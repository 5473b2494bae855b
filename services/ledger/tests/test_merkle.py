"""Merkle roots and inclusion proofs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from payrisk_ledger.merkle import MerkleTree, ProofStep, leaf_hash, root_from_proof


@given(st.lists(st.binary(max_size=40), min_size=1, max_size=70), st.data())
def test_every_record_proves_its_inclusion(contents, data):
    tree = MerkleTree.of(contents)
    index = data.draw(st.integers(0, len(contents) - 1))
    assert root_from_proof(leaf_hash(contents[index]), tree.proof(index)) == tree.root


@given(st.lists(st.binary(max_size=40), min_size=2, max_size=40, unique=True), st.data())
def test_another_record_does_not_prove_with_someone_elses_proof(contents, data):
    tree = MerkleTree.of(contents)
    index = data.draw(st.integers(0, len(contents) - 1))
    other = contents[(index + 1) % len(contents)]
    assert root_from_proof(leaf_hash(other), tree.proof(index)) != tree.root


def test_a_flipped_proof_step_fails():
    tree = MerkleTree.of([b"a", b"b", b"c", b"d", b"e"])
    proof = tree.proof(2)
    flipped = [ProofStep(proof[0].sibling, not proof[0].sibling_on_left), *proof[1:]]
    assert root_from_proof(leaf_hash(b"c"), flipped) != tree.root


def test_odd_levels_are_not_padded_by_duplication():
    # With duplication, [a, b, c] and [a, b, c, c] would share a root.
    assert MerkleTree.of([b"a", b"b", b"c"]).root != MerkleTree.of([b"a", b"b", b"c", b"c"]).root


def test_a_leaf_cannot_pass_for_an_inner_node():
    tree = MerkleTree.of([b"a", b"b"])
    assert MerkleTree.of([tree.levels[0][0] + tree.levels[0][1]]).root != tree.root


def test_an_empty_batch_has_no_tree():
    with pytest.raises(ValueError, match="at least one"):
        MerkleTree.of([])
