"""Loading IBM AMLSim sample archives (`nodes.csv`, `transactions.csv`, `metadata.txt` in a .tgz).

The archives are read as they are published, straight from the .tgz. Accounts carry `isFraud` and the step
at which they joined a laundering pattern; transfers carry no label, so the patterns are recovered from the
accounts (see patterns.py).
"""

from __future__ import annotations

import io
import os
import re
import tarfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow.csv as pa_csv

from .arrays import Bools, Ints
from .transfers import Transfers, Vocabulary

DATASET_DIR_ENV = "PAYRISK_RISK_AMLSIM_DIR"
# Where the samples live, relative to the repository root: shipped with it, or beside the checkout.
DEFAULT_RELATIVE_DIRS = (Path("datasets/amlsim"), Path("../shared/datasets/amlsim"))
# The published samples and the one pattern kind each holds.
KNOWN_ARCHIVES = {"fan_in": "20K_fanin200", "cycle": "20K_cycle200"}
_KIND_WORDS = {
    "fanin": "fan_in",
    "fanout": "fan_out",
    "cycle": "cycle",
    "cycles": "cycle",
    "scattergather": "scatter_gather",
    "gatherscatter": "gather_scatter",
    "bipartite": "bipartite",
    "stack": "stack",
    "random": "random",
}


class DatasetMissing(FileNotFoundError):
    """An AMLSim archive is not where it was looked for."""


@dataclass(frozen=True)
class AmlsimSample:
    name: str
    transfers: Transfers
    fraud_account: Bools
    # Step at which each account joined a pattern; -1 for none.
    joined_at: Ints
    # Pattern kinds the archive's metadata declares, e.g. ("fan_in",).
    declared_kinds: tuple[str, ...]


def _repo_root() -> Path:
    for parent in Path(__file__).resolve().parents:
        if (parent / "services" / "risk").is_dir() and (parent / "protos").is_dir():
            return parent
    return Path.cwd()


def default_dataset_dir() -> Path:
    """PAYRISK_RISK_AMLSIM_DIR, else the repository's datasets/amlsim (or ../shared/datasets/amlsim)."""
    configured = os.environ.get(DATASET_DIR_ENV)
    if configured:
        return Path(configured)
    candidates = [(_repo_root() / d).resolve() for d in DEFAULT_RELATIVE_DIRS]
    return next((d for d in candidates if d.is_dir()), candidates[0])


def archive_path(dataset_dir: Path, archive: str) -> Path:
    path = dataset_dir / (archive if archive.endswith(".tgz") else f"{archive}.tgz")
    if not path.is_file():
        raise DatasetMissing(
            f"AMLSim archive {path} not found: put the samples in {dataset_dir} or point "
            f"{DATASET_DIR_ENV} (or the dataset directory argument) at the directory that holds them"
        )
    return path


def declared_kinds(metadata: str) -> tuple[str, ...]:
    """Pattern kinds from a `patterns: 200 fan-in` (or `100 fan-in, 100 cycles`) line."""
    kinds: list[str] = []
    for line in metadata.splitlines():
        name, _, value = line.partition(":")
        if name.strip().lower() != "patterns":
            continue
        for part in value.split(","):
            word = re.sub(r"[^a-z]", "", re.sub(r"^\s*[\d,]+\s*", "", part.lower()))
            kind = _KIND_WORDS.get(word) or _KIND_WORDS.get(word.removesuffix("s"))
            if kind and kind not in kinds:
                kinds.append(kind)
    return tuple(kinds)


def _member(archive: tarfile.TarFile, suffix: str) -> bytes:
    for member in archive.getmembers():
        if member.isfile() and member.name.endswith(suffix):
            handle = archive.extractfile(member)
            if handle is not None:
                return handle.read()
    raise DatasetMissing(f"{archive.name!s}: no {suffix} inside")


def load_archive(path: Path) -> AmlsimSample:
    with tarfile.open(path, "r:gz") as archive:
        nodes = pa_csv.read_csv(io.BytesIO(_member(archive, "/nodes.csv")))
        transactions = pa_csv.read_csv(io.BytesIO(_member(archive, "/transactions.csv")))
        metadata = _member(archive, "/metadata.txt").decode(errors="replace")
    node_ids = nodes.column("nodeid").to_numpy().astype(np.int64)
    # Node ids index the account columns; they are 0..n-1 in the published samples, but map them anyway.
    position = np.full(int(node_ids.max()) + 1, -1, dtype=np.int64)
    position[node_ids] = np.arange(len(node_ids))
    source = position[transactions.column("sourceNodeId").to_numpy().astype(np.int64)]
    target = position[transactions.column("targetNodeId").to_numpy().astype(np.int64)]
    name = path.name.removesuffix(".tgz")
    transfers = Transfers(
        ids=[f"{name}:{i}" for i in range(len(source))],
        payer=source,
        payee=target,
        amount=transactions.column("value").to_numpy().astype(np.float64),
        time=transactions.column("time").to_numpy().astype(np.float64),
        accounts=Vocabulary([str(n) for n in node_ids.tolist()]),
    )
    return AmlsimSample(
        name=name,
        transfers=transfers,
        fraud_account=nodes.column("isFraud").to_numpy().astype(bool),
        joined_at=nodes.column("fraudStep").to_numpy().astype(np.int64),
        declared_kinds=declared_kinds(metadata),
    )


def load_sample(name: str, dataset_dir: Path | None = None) -> AmlsimSample:
    """A sample by pattern kind ("fan_in", "cycle") or archive name ("20K_fanin200")."""
    directory = dataset_dir if dataset_dir is not None else default_dataset_dir()
    return load_archive(archive_path(directory, KNOWN_ARCHIVES.get(name, name)))
