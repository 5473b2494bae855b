"""payrisk — operate a running payrisk system by hand.

    payrisk import transactions.csv          (or .parquet; a progress bar, then accepted/duplicates/rejected)
    payrisk generate --transactions 100000   (a synthetic data set with labelled fraud, loaded into ingest)
    payrisk ledger-info
    payrisk transaction TX-ID
    payrisk score '{"transaction_id": "t-1", "merchant_id": "m-1", ...}'
    payrisk assess-merchant M-ID
    payrisk review-settlement INSTRUCTION-ID M-ID 1250.00 CNY
    payrisk freezes M-ID
    payrisk release FREEZE-ID "case closed"
    payrisk verify receipt.json record.bin

Services are found through --address, PAYRISK_<SERVICE>_ADDRESS, or .payrisk/endpoints.json (written by
`make up`). Responses are printed as JSON; errors as the status and the fields at fault.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import grpc
from google.protobuf.message import Message
from payrisk_runtime import blocking_channel, client_tls, field_violations

from . import commands
from .endpoints import address

Command = tuple[str, Callable[[grpc.Channel, argparse.Namespace], Message]]

COMMANDS: dict[str, Command] = {
    "ledger-info": ("ledger", lambda ch, a: commands.ledger_info(ch)),
    "transaction": ("ingest", lambda ch, a: commands.get_transaction(ch, a.transaction_id)),
    "score": ("risk", lambda ch, a: commands.score(ch, a.transaction_json)),
    "assess-merchant": ("risk", lambda ch, a: commands.assess_merchant(ch, a.merchant_id)),
    "review-settlement": (
        "risk",
        lambda ch, a: commands.review_settlement(ch, a.instruction_id, a.merchant_id, a.amount, a.currency),
    ),
    "freezes": ("ledger", lambda ch, a: commands.list_freezes(ch, a.merchant_id)),
    "release": ("ledger", lambda ch, a: commands.release_freeze(ch, a.freeze_id, a.reason)),
    "verify": ("ledger", lambda ch, a: commands.verify_receipt(ch, a.receipt, a.content)),
}


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="payrisk", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    root.add_argument("--address", help="host:port of the service the command talks to")
    sub = root.add_subparsers(dest="command", required=True)
    sub.add_parser("ledger-info", help="backend, channel, height and peers of the ledger")
    sub.add_parser("transaction", help="a stored transaction with its decision").add_argument(
        "transaction_id"
    )
    sub.add_parser("score", help="score one transaction given as JSON").add_argument("transaction_json")
    sub.add_parser("assess-merchant", help="registration and indicator risk of a merchant").add_argument(
        "merchant_id"
    )
    review = sub.add_parser(
        "review-settlement", help="review a settlement instruction; freezes when suspected"
    )
    for name in ("instruction_id", "merchant_id", "amount", "currency"):
        review.add_argument(name)
    sub.add_parser("freezes", help="a merchant's freezes on the ledger").add_argument("merchant_id")
    release = sub.add_parser("release", help="release a freeze")
    release.add_argument("freeze_id")
    release.add_argument("reason")
    verify = sub.add_parser("verify", help="check a record against its ledger receipt")
    verify.add_argument("receipt", type=Path, help="the receipt as JSON")
    verify.add_argument("content", type=Path, help="the record's exact bytes")
    return root


def describe(error: grpc.RpcError) -> str:
    lines = [f"{error.code().name}: {error.details()}"]  # type: ignore[attr-defined]
    lines += [f"  {v.field}: {v.description}" for v in field_violations(error)]
    return "\n".join(lines)


# Loading data is the ingest command line's job; these pass straight through to it.
PASS_THROUGH = {"import", "generate"}


def _load(argv: list[str]) -> int:
    from payrisk_ingest.cli import main as ingest_cli

    command, rest = argv[0], argv[1:]
    if "--address" not in rest:
        rest = [*rest, "--address", address("ingest")]
    return ingest_cli([command, *rest])


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in PASS_THROUGH:
        return _load(argv)
    args = parser().parse_args(argv)
    service, run = COMMANDS[args.command]
    target = address(service, args.address)
    with blocking_channel(target, client_tls()) as channel:
        try:
            print(commands.as_json(run(channel, args)))
        except grpc.RpcError as error:
            print(describe(error), file=sys.stderr)
            return 1
        except ValueError as error:
            print(f"payrisk: {error}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
