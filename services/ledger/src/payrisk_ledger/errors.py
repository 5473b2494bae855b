"""What a ledger backend raises; the servicer maps these to gRPC statuses."""

from __future__ import annotations

from payrisk_runtime import AlreadyExists, FailedPrecondition, NotFound, Unavailable


class FreezeExists(AlreadyExists):
    """A freeze with this id is already on the ledger."""


class FreezeNotFound(NotFound):
    pass


class FreezeAlreadyReleased(FailedPrecondition):
    pass


class AnchorExists(AlreadyExists):
    """A batch with this id is already anchored."""


class AnchorNotFound(NotFound):
    pass


class LedgerUnavailable(Unavailable):
    """The ledger did not confirm the write; it may or may not land, and retrying by id is safe."""


class LedgerTampered(FailedPrecondition):
    """The ledger's own records fail verification."""
