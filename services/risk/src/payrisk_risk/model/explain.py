"""LightGBM's explanations (TreeSHAP per-feature contributions) and the top reasons, compiled.

LightGBM's own `pred_contrib` costs about 300 µs a row for a 200-tree model here: TreeSHAP redoes, for every
row, the same path arithmetic at every leaf. But what a leaf adds to the contributions depends only on the
path to it and, at each node of that path, whether the row goes that way (the "hot" child) or not: for a
tree of depth d, at most 2^d cases per leaf (Fast TreeSHAP, Yang 2021). So every case is worked out once, when
the model is loaded, by LightGBM's own arithmetic (Tree::TreeSHAP, ExtendPath, UnwindPath and UnwoundPathSum,
operation for operation); a row then only decides its way through each tree (LightGBM's decision rules,
its treatment of zeros and missing values) and adds the worked-out values leaf by leaf, in the order
TreeSHAP visits them. The results are LightGBM's to the last bit, at about a tenth of the cost, in a compiled
loop that releases the GIL. A model is only explained this way after it has reproduced LightGBM's own
contributions on the model's probe rows (serving.py); otherwise LightGBM explains.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numba
import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

# LightGBM's kZeroThreshold (a float literal, 1e-35f, as a double): smaller values count as zero.
ZERO = float(np.float32(1e-35))
MISSING = {"None": 0, "Zero": 1, "NaN": 2}
DEFAULT_LEFT, CATEGORICAL = 4, 8


@dataclass(frozen=True, slots=True)
class Forest:
    """A binary LightGBM model's trees as arrays. Nodes and leaves are numbered across all trees; a child
    below zero is leaf ~child."""

    n_features: int
    max_depth: int
    roots: Ints  # per tree: its root node, or ~leaf for a tree of one leaf
    tree_nodes: Ints  # per tree: [first node, end), numbered root first, parents before children
    tree_leaves: Ints  # per tree: [first leaf, end) in leaf order, for the expected value
    left: Ints
    right: Ints
    feature: Ints
    threshold: Floats
    categorical: Bools
    missing: Ints
    default_left: Bools
    count: Floats
    categories: Ints  # per categorical node, its left categories at [cat_start, cat_stop)
    cat_start: Ints
    cat_stop: Ints
    leaf_value: Floats
    leaf_count: Floats

    def packed_nodes(self) -> Floats:
        """(nodes, 4): what a decision reads, side by side (one cache line for two nodes): the threshold,
        the feature, and the rule (missing type, + DEFAULT_LEFT, + CATEGORICAL)."""
        packed = np.zeros((len(self.left), 4), dtype=np.float64)
        packed[:, 0] = self.threshold
        packed[:, 1] = self.feature
        packed[:, 2] = self.missing + DEFAULT_LEFT * self.default_left + CATEGORICAL * self.categorical
        return packed

    @staticmethod
    def of(booster: lgb.Booster) -> Forest:
        dump = booster.dump_model()
        if dump.get("num_class", 1) != 1 or dump.get("num_tree_per_iteration", 1) != 1:
            raise ValueError("only binary models are explained here")
        nodes: dict[str, list[Any]] = {k: [] for k in ("left", "right", "feature", "threshold", "categorical",
                                                       "missing", "default_left", "count", "cat_start", "cat_stop")}  # fmt: skip
        categories: list[int] = []
        leaf_value: list[float] = []
        leaf_count: list[float] = []
        roots, tree_nodes, tree_leaves = [], [], []
        max_depth = 0

        for tree in dump["tree_info"]:
            first_leaf = len(leaf_value)
            n_leaves = int(tree["num_leaves"])
            leaf_value.extend([0.0] * n_leaves)
            leaf_count.extend([0.0] * n_leaves)

            def add(node: dict[str, Any], depth: int, first_leaf: int = first_leaf) -> int:
                nonlocal max_depth
                max_depth = max(max_depth, depth)
                if "split_feature" not in node:
                    leaf = first_leaf + int(node.get("leaf_index", 0))
                    leaf_value[leaf] = float(node["leaf_value"])
                    leaf_count[leaf] = float(node.get("leaf_count", 0))
                    return ~leaf
                index = len(nodes["left"])
                for values in nodes.values():
                    values.append(0)
                nodes["feature"][index] = int(node["split_feature"])
                nodes["missing"][index] = MISSING[node["missing_type"]]
                nodes["default_left"][index] = bool(node["default_left"])
                nodes["count"][index] = float(node["internal_count"])
                if node["decision_type"] == "==":
                    nodes["categorical"][index] = True
                    nodes["cat_start"][index] = len(categories)
                    categories.extend(int(c) for c in str(node["threshold"]).split("||"))
                    nodes["cat_stop"][index] = len(categories)
                    nodes["threshold"][index] = 0.0
                elif node["decision_type"] == "<=":
                    nodes["threshold"][index] = float(node["threshold"])
                else:
                    raise ValueError(f"unknown decision type {node['decision_type']!r}")
                nodes["left"][index] = add(node["left_child"], depth + 1)
                nodes["right"][index] = add(node["right_child"], depth + 1)
                return index

            first_node = len(nodes["left"])
            roots.append(add(tree["tree_structure"], 0))
            tree_nodes.append((first_node, len(nodes["left"])))
            tree_leaves.append((first_leaf, first_leaf + n_leaves))

        def ints(values: list[Any]) -> Ints:
            return np.array(values, dtype=np.int64)

        return Forest(
            n_features=int(dump["max_feature_idx"]) + 1,
            max_depth=max_depth,
            roots=ints(roots),
            tree_nodes=ints(tree_nodes).reshape(-1, 2),
            tree_leaves=ints(tree_leaves).reshape(-1, 2),
            left=ints(nodes["left"]),
            right=ints(nodes["right"]),
            feature=ints(nodes["feature"]),
            threshold=np.array(nodes["threshold"], dtype=np.float64),
            categorical=np.array(nodes["categorical"], dtype=np.bool_),
            missing=ints(nodes["missing"]),
            default_left=np.array(nodes["default_left"], dtype=np.bool_),
            count=np.array(nodes["count"], dtype=np.float64),
            categories=ints(categories),
            cat_start=ints(nodes["cat_start"]),
            cat_stop=ints(nodes["cat_stop"]),
            leaf_value=np.array(leaf_value, dtype=np.float64),
            leaf_count=np.array(leaf_count, dtype=np.float64),
        )


class Explainer:
    """TreeSHAP contributions of one model, from its worked-out leaf tables (see the module's doc)."""

    # 2^depth cases per leaf: beyond this depth the tables would be too big, and LightGBM explains.
    MAX_DEPTH = 10

    def __init__(self, forest: Forest) -> None:
        if forest.max_depth > self.MAX_DEPTH:
            raise ValueError(f"trees of depth {forest.max_depth} are deeper than {self.MAX_DEPTH}")
        f = forest
        self.forest = f
        self._nodes = f.packed_nodes()
        status, *tables = _leaf_tables(
            f.roots, f.tree_leaves, f.left, f.right, f.feature, f.count, f.leaf_value, f.leaf_count, f.max_depth
        )  # fmt: skip
        if status != 0:
            raise ValueError("a leaf's contributions do not follow one feature order")
        self._tables = tables

    def contributions(self, features: Floats) -> Floats:
        """(n, features + 1): each feature's contribution to the log-odds, then the expected value."""
        f = self.forest
        rows = np.ascontiguousarray(features, dtype=np.float64)
        out = np.zeros((len(rows), f.n_features + 1), dtype=np.float64)
        _replay(
            rows, out, f.max_depth, f.roots, f.tree_nodes, f.left, f.right, self._nodes, f.categories,
            f.cat_start, f.cat_stop, *self._tables,
        )  # fmt: skip
        return out


def top_reasons(contributions: Floats, k: int) -> Ints:
    """(n, k): per row the features with the highest contributions, highest first, ties by feature order
    (np.argsort(-contributions, kind="stable")[:, :k], without sorting everything)."""
    picked: Ints = _top(np.ascontiguousarray(contributions), k)
    return picked


# --- compiled ---


@numba.njit(inline="always")
def _value(x: Any) -> Any:  # pragma: no cover - compiled
    # LightGBM reads a dense row as its non-zero entries: values this close to zero become exactly 0.
    return 0.0 if abs(x) <= ZERO else x


@numba.njit(inline="always")
def _goes_left(
    fval: Any, rule: Any, threshold: Any, categories: Any, start: Any, stop: Any
) -> Any:  # pragma: no cover
    """Whether a value goes left at a node: LightGBM's Tree::Decision."""
    if rule >= CATEGORICAL:
        # static_cast<int>: NaN and values beyond int32 come out negative (x86), and negative is right.
        if np.isnan(fval) or fval >= 2147483648.0 or fval <= -2147483649.0:
            return False
        category = np.int64(fval)
        if category < 0:
            return False
        found = False
        for i in range(start, stop):
            found |= categories[i] == category
        return found
    kind = rule & 3
    if np.isnan(fval) and kind != 2:
        fval = 0.0
    if (kind == 1 and -ZERO <= fval <= ZERO) or (kind == 2 and np.isnan(fval)):
        return rule & DEFAULT_LEFT != 0
    return fval <= threshold


@numba.njit(inline="always")
def _count(child: Any, count: Any, leaf_count: Any) -> Any:  # pragma: no cover - compiled
    return count[child] if child >= 0 else leaf_count[~child]


@numba.njit(inline="always")
def _extend(
    feat: Any, zero: Any, one: Any, pw: Any, at: Any, depth: Any, z: Any, o: Any, f: Any
) -> None:  # pragma: no cover
    feat[at + depth] = f
    zero[at + depth] = z
    one[at + depth] = o
    pw[at + depth] = 1.0 if depth == 0 else 0.0
    for i in range(depth - 1, -1, -1):
        pw[at + i + 1] += o * pw[at + i] * (i + 1) / np.float64(depth + 1)
        pw[at + i] = z * pw[at + i] * (depth - i) / np.float64(depth + 1)


@numba.njit(inline="always")
def _unwind(
    feat: Any, zero: Any, one: Any, pw: Any, at: Any, depth: Any, index: Any
) -> None:  # pragma: no cover
    o = one[at + index]
    z = zero[at + index]
    next_one = pw[at + depth]
    for i in range(depth - 1, -1, -1):
        if o != 0:
            tmp = pw[at + i]
            pw[at + i] = next_one * (depth + 1) / np.float64((i + 1) * o)
            next_one = tmp - pw[at + i] * z * (depth - i) / np.float64(depth + 1)
        else:
            pw[at + i] = (pw[at + i] * (depth + 1)) / np.float64(z * (depth - i))
    for i in range(index, depth):
        feat[at + i] = feat[at + i + 1]
        zero[at + i] = zero[at + i + 1]
        one[at + i] = one[at + i + 1]


@numba.njit(inline="always")
def _unwound_sum(zero: Any, one: Any, pw: Any, at: Any, depth: Any, index: Any) -> Any:  # pragma: no cover
    o = one[at + index]
    z = zero[at + index]
    next_one = pw[at + depth]
    total = 0.0
    for i in range(depth - 1, -1, -1):
        if o != 0:
            tmp = next_one * (depth + 1) / np.float64((i + 1) * o)
            total += tmp
            next_one = pw[at + i] - tmp * z * ((depth - i) / np.float64(depth + 1))
        else:
            total += (pw[at + i] / z) / ((depth - i) / np.float64(depth + 1))
    return total


@numba.njit(nogil=True, cache=True)
def _leaf_tables(
    roots: Any,
    tree_leaves: Any,
    left: Any,
    right: Any,
    feature: Any,
    count: Any,
    leaf_value: Any,
    leaf_count: Any,
    max_depth: Any,
) -> Any:  # pragma: no cover - compiled
    """Per tree its expected value; per leaf the features TreeSHAP adds to there, in its order (the same
    whichever way the row goes), and per way along its path (bit k: the row goes down the path at the k-th
    node) the values it adds: (status, expected, leaf depth, features per leaf, first feature, first value,
    features, values). Status -1: a leaf's features would depend on the way (not expected; LightGBM
    explains)."""  # fmt: skip
    n_leaves = len(leaf_value)
    expected = np.zeros(len(roots), dtype=np.float64)
    depth_of = np.zeros(n_leaves, dtype=np.int64)
    path_nodes = np.zeros((n_leaves, max_depth + 1), dtype=np.int64)
    # Each leaf's path, by a walk from each root.
    stack = np.empty(2 * max_depth + 4, dtype=np.int64)
    stack_depth = np.empty(2 * max_depth + 4, dtype=np.int64)
    trail = np.empty(max_depth + 1, dtype=np.int64)
    for t in range(len(roots)):
        first, end = tree_leaves[t, 0], tree_leaves[t, 1]
        if end - first == 1:
            expected[t] = leaf_value[first]
            continue
        total = count[roots[t]]
        for leaf in range(first, end):
            expected[t] += (leaf_count[leaf] / total) * leaf_value[leaf]
        top = 0
        stack[0], stack_depth[0] = roots[t], 0
        while top >= 0:
            node, d = stack[top], stack_depth[top]
            top -= 1
            if node < 0:
                depth_of[~node] = d
                path_nodes[~node, :d] = trail[:d]
                continue
            trail[d] = node
            top += 1
            stack[top], stack_depth[top] = right[node], d + 1
            top += 1
            stack[top], stack_depth[top] = left[node], d + 1
    # Per leaf its features (at most its depth) and, per case, their values side by side: what a row reads
    # at a leaf is one short run of memory.
    first_feature = np.zeros(n_leaves + 1, dtype=np.int64)
    first_value = np.zeros(n_leaves + 1, dtype=np.int64)
    for leaf in range(n_leaves):
        first_feature[leaf + 1] = first_feature[leaf] + depth_of[leaf]
        first_value[leaf + 1] = first_value[leaf] + (depth_of[leaf] << depth_of[leaf])
    unique = np.full(n_leaves, -1, dtype=np.int64)
    leaf_features = np.zeros(first_feature[n_leaves], dtype=np.int64)
    values = np.zeros(first_value[n_leaves], dtype=np.float64)
    status = 0
    size = (max_depth + 2) * (max_depth + 3) // 2
    feat = np.empty(size, dtype=np.int64)
    zero = np.empty(size, dtype=np.float64)
    one = np.empty(size, dtype=np.float64)
    pw = np.empty(size, dtype=np.float64)
    for leaf in range(n_leaves):
        d = depth_of[leaf]
        for case in range(1 << d):
            # TreeSHAP's calls from the root down this path, the row going the path's way where case says.
            at, depth = 0, 0
            _extend(feat, zero, one, pw, 0, 0, 1.0, 1.0, -1)
            for k in range(d):
                node = path_nodes[leaf, k]
                child = path_nodes[leaf, k + 1] if k + 1 < d else ~leaf
                hot = (case >> k) & 1
                child_zero = _count(child, count, leaf_count) / count[node]
                incoming_zero = 1.0
                incoming_one = 1.0
                index = 0
                while index <= depth and feat[at + index] != feature[node]:
                    index += 1
                if index != depth + 1:
                    incoming_zero = zero[at + index]
                    incoming_one = one[at + index]
                    _unwind(feat, zero, one, pw, at, depth, index)
                    depth -= 1
                parent = at
                depth += 1
                at = parent + depth
                for i in range(depth):
                    feat[at + i] = feat[parent + i]
                    zero[at + i] = zero[parent + i]
                    one[at + i] = one[parent + i]
                    pw[at + i] = pw[parent + i]
                o = incoming_one if hot else 0.0
                _extend(feat, zero, one, pw, at, depth, child_zero * incoming_zero, o, feature[node])
            if unique[leaf] < 0:
                unique[leaf] = depth
                for i in range(1, depth + 1):
                    leaf_features[first_feature[leaf] + i - 1] = feat[at + i]
            elif unique[leaf] != depth:
                status = -1
            base = first_value[leaf] + case * unique[leaf]
            for i in range(1, depth + 1):
                if feat[at + i] != leaf_features[first_feature[leaf] + i - 1]:
                    status = -1
                w = _unwound_sum(zero, one, pw, at, depth, i)
                values[base + i - 1] = w * (one[at + i] - zero[at + i]) * leaf_value[leaf]
    return status, expected, unique, first_feature, first_value, leaf_features, values


@numba.njit(nogil=True, cache=True)
def _replay(
    rows: Any,
    out: Any,
    max_depth: Any,
    roots: Any,
    tree_nodes: Any,
    left: Any,
    right: Any,
    nodes: Any,
    categories: Any,
    cat_start: Any,
    cat_stop: Any,
    expected: Any,
    unique: Any,
    first_feature: Any,
    first_value: Any,
    leaf_features: Any,
    values: Any,
) -> None:  # pragma: no cover - compiled
    """Each row's contributions: per tree the expected value, then the leaves in TreeSHAP's order (the
    row's own way first at every node), each adding its worked-out values for the row's case."""  # fmt: skip
    n_features = rows.shape[1]
    stack = np.empty(2 * max_depth + 4, dtype=np.int64)
    stack_case = np.empty(2 * max_depth + 4, dtype=np.int64)
    stack_depth = np.empty(2 * max_depth + 4, dtype=np.int64)
    goes_left = np.empty(len(left), dtype=np.bool_)
    visit_leaf = np.empty(len(left) + 1, dtype=np.int64)
    visit_value = np.empty(len(left) + 1, dtype=np.int64)
    x = np.empty(n_features, dtype=np.float64)
    for r in range(rows.shape[0]):
        for j in range(n_features):
            x[j] = _value(rows[r, j])
        phi = out[r]
        for t in range(len(roots)):
            phi[n_features] += expected[t]
            if roots[t] < 0:
                continue
            # The decisions in node order (memory order), the walk, then the values (independent reads).
            for node in range(tree_nodes[t, 0], tree_nodes[t, 1]):
                goes_left[node] = _goes_left(
                    x[np.int64(nodes[node, 1])], np.int64(nodes[node, 2]), nodes[node, 0], categories,
                    cat_start[node], cat_stop[node],
                )  # fmt: skip
            visits = 0
            top = 0
            stack[0], stack_case[0], stack_depth[0] = roots[t], 0, 0
            while top >= 0:
                node, case, d = stack[top], stack_case[top], stack_depth[top]
                top -= 1
                if node < 0:
                    leaf = ~node
                    visit_leaf[visits] = leaf
                    visit_value[visits] = first_value[leaf] + case * unique[leaf]
                    visits += 1
                    continue
                hot, cold = (left[node], right[node]) if goes_left[node] else (right[node], left[node])
                top += 1
                stack[top], stack_case[top], stack_depth[top] = cold, case, d + 1
                top += 1
                stack[top], stack_case[top], stack_depth[top] = hot, case | (1 << d), d + 1
            for v in range(visits):
                leaf, base = visit_leaf[v], visit_value[v]
                features = first_feature[leaf]
                for e in range(unique[leaf]):
                    phi[leaf_features[features + e]] += values[base + e]


@numba.njit(nogil=True, cache=True)
def _top(contributions: Any, k: Any) -> Any:  # pragma: no cover - compiled
    n, width = contributions.shape[0], contributions.shape[1]
    k = min(k, width)
    out = np.empty((n, k), dtype=np.int64)
    for r in range(n):
        filled = 0
        for j in range(width):
            v = contributions[r, j]
            # Insert j after every kept feature at least as high (earlier features win ties).
            at = filled
            while at > 0 and contributions[r, out[r, at - 1]] < v:
                at -= 1
            if at >= k:
                continue
            for m in range(min(filled, k - 1), at, -1):
                out[r, m] = out[r, m - 1]
            out[r, at] = j
            filled = min(filled + 1, k)
    return out
