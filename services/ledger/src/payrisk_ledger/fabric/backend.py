"""FabricLedger: the LedgerBackend on a Hyperledger Fabric network, through the peers' Gateway.

Writes are the payrisk chaincode's transactions, endorsed by both organisations (the definition's policy),
ordered and committed before they return; reads are evaluated on one peer. The chaincode's refusals come
back with a bracketed code that maps onto the ledger's own errors, so callers see the same semantics as with
the embedded backend. Anything else that fails (a peer or the orderer away, a timeout) is LedgerUnavailable:
the write may or may not have landed, and retrying it by its id is safe.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from payrisk_runtime import InvalidArgument

from ..errors import (
    AnchorExists,
    FreezeAlreadyReleased,
    FreezeExists,
    FreezeNotFound,
    LedgerUnavailable,
)
from ..model import Anchor, AnchoredBatch, Commit, Freeze, FreezeStatus, HistoryEntry, LedgerInfo
from .config import NetworkConfig
from .connect import connect
from .contract import Contract
from .errors import FabricError
from .gateway import Gateway
from .ledger_queries import chain_info, transaction_record

logger = logging.getLogger("payrisk.ledger.fabric")
T = TypeVar("T")


def _freeze_from(data: dict[str, Any]) -> Freeze:
    return Freeze(
        **{**data, "transaction_ids": tuple(data["transaction_ids"]), "status": FreezeStatus(data["status"])}
    )


def _freeze_request(freeze: Freeze) -> str:
    fields = (
        "freeze_id",
        "merchant_id",
        "instruction_id",
        "amount_minor",
        "currency",
        "transaction_ids",
        "reason",
    )
    data = {name: getattr(freeze, name) for name in fields}
    data["transaction_ids"] = list(freeze.transaction_ids)
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class FabricLedger:
    name = "fabric"

    def __init__(self, network: NetworkConfig) -> None:
        self._network = network
        # One gateway per organisation: writes go through the first that answers; each can endorse with both.
        self._gateways: list[Gateway] = [connect(network, msp_id) for msp_id in network.msp_ids]

    def _contracts(self) -> list[Contract]:
        return [g.contract(self._network.channel, self._network.chaincode) for g in self._gateways]

    async def _call(
        self, what: str, action: Callable[[Contract], Awaitable[T]], *, refusals: dict[str, Any]
    ) -> T:
        """Runs `action` on the first gateway; on a transport failure, on the next. A chaincode refusal is
        mapped through `refusals` (bracketed code -> exception class) and never retried elsewhere."""
        last: FabricError | None = None
        for contract in self._contracts():
            try:
                return await action(contract)
            except FabricError as error:
                refusal = refusals.get(error.chaincode_code)
                if refusal is not None:
                    raise refusal(error.chaincode_message.split("] ", 1)[-1]) from None
                if error.chaincode_code == "INVALID_ARGUMENT":
                    # The chaincode's own check of what the service already validated: its words only.
                    raise InvalidArgument.field(what, error.chaincode_message.split("] ", 1)[-1]) from None
                logger.warning("fabric %s via %s failed: %s", what, contract.gateway.endpoint, error)
                last = error
        # The peers' own words stay in the log: they name hosts and certificates a caller has no business with.
        logger.error("fabric %s failed on every gateway: %s", what, last)
        raise LedgerUnavailable(
            f"the Fabric network did not confirm {what}; retrying by id is safe"
        ) from None

    async def create_freeze(self, freeze: Freeze) -> tuple[Freeze, Commit]:
        result = await self._call(
            "the freeze",
            lambda c: c.submit("CreateFreeze", _freeze_request(freeze)),
            refusals={"ALREADY_EXISTS": FreezeExists},
        )
        return _freeze_from(json.loads(result.payload)), Commit(result.tx_id, result.block_number)

    async def release_freeze(self, freeze_id: str, reason: str) -> tuple[Freeze, Commit]:
        result = await self._call(
            "the release",
            lambda c: c.submit("ReleaseFreeze", freeze_id, reason),
            refusals={"NOT_FOUND": FreezeNotFound, "FAILED_PRECONDITION": FreezeAlreadyReleased},
        )
        return _freeze_from(json.loads(result.payload)), Commit(result.tx_id, result.block_number)

    async def get_freeze(self, freeze_id: str) -> Freeze | None:
        found = await self._call("the freeze", lambda c: c.evaluate("GetFreeze", freeze_id), refusals={})
        return _freeze_from(json.loads(found)) if found else None

    async def list_freezes(self, merchant_id: str) -> list[Freeze]:
        found = await self._call(
            "the freezes", lambda c: c.evaluate("ListMerchantFreezes", merchant_id), refusals={}
        )
        freezes = [_freeze_from(f) for f in json.loads(found or b"[]")]
        return sorted(freezes, key=lambda f: (f.created_at_us, f.freeze_id))

    async def history(self, freeze_id: str) -> list[HistoryEntry]:
        found = await self._call("the history", lambda c: c.evaluate("GetHistory", freeze_id), refusals={})
        return [
            HistoryEntry(e["tx_id"], e["timestamp_us"], _freeze_from(e["freeze"]))
            for e in json.loads(found or b"[]")
            if not e["is_delete"]
        ]

    async def anchor(self, anchor: Anchor) -> AnchoredBatch:
        request = json.dumps(dataclasses.asdict(anchor), sort_keys=True, separators=(",", ":"))
        result = await self._call(
            "the anchor",
            lambda c: c.submit("AnchorBatch", request),
            refusals={"ALREADY_EXISTS": AnchorExists},
        )
        return AnchoredBatch(anchor, Commit(result.tx_id, result.block_number))

    async def get_anchor(self, batch_id: str) -> AnchoredBatch | None:
        found = await self._call("the anchor", lambda c: c.evaluate("GetAnchor", batch_id), refusals={})
        if not found:
            return None
        data = json.loads(found)
        tx_id = data.pop("tx_id")
        del data["anchored_at_us"]
        record = await self._call(
            "the anchor's block",
            lambda c: transaction_record(c.gateway, self._network.channel, tx_id),
            refusals={},
        )
        return AnchoredBatch(Anchor(**data), Commit(tx_id, record.block_number))

    async def info(self) -> LedgerInfo:
        chain = await self._call(
            "the chain's height", lambda c: chain_info(c.gateway, self._network.channel), refusals={}
        )
        peers = tuple(f"{p.name} ({p.msp_id}) {p.address}" for p in self._network.peers)
        return LedgerInfo("fabric", self._network.channel, chain.height, peers, self._network.chaincode)

    async def close(self) -> None:
        for gateway in self._gateways:
            await gateway.close()
