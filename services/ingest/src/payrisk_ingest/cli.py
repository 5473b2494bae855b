"""payrisk ingest's command line: import a file of transactions, or generate a synthetic data set.

python -m payrisk_ingest.cli import --address 127.0.0.1:50051 transactions.csv
python -m payrisk_ingest.cli generate --address 127.0.0.1:50051 --transactions 100000 --seed 7
python -m payrisk_ingest.cli generate --parquet data.parquet --csv data.csv --transactions 1000000
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path

import grpc
from payrisk.ingest.v1 import ingest_pb2_grpc
from payrisk_runtime import client_tls, configure_tracing, open_channel
from tqdm import tqdm

from .importer import DEFAULT_BATCH_SIZE, ImportFileError, import_file
from .synthetic import (
    GeneratorConfig,
    Loader,
    TransactionWriter,
    build_world,
    iter_batches,
    iter_transaction_batches,
)
from .synthetic.config import LOCAL_TIME


def _start(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_TIME)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m payrisk_ingest.cli", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    imports = commands.add_parser("import", help="send a CSV or Parquet file of transactions to ingest")
    imports.add_argument("file", type=Path, help=".csv or .parquet, columns as in payrisk_ingest.importer")
    imports.add_argument("--address", required=True, help="host:port of the ingest service")

    generate = commands.add_parser("generate", help="generate a synthetic data set into files and/or ingest")
    generate.add_argument("--address", help="host:port of an ingest service to load everything into")
    generate.add_argument("--csv", type=Path, help="write the transactions to this CSV file")
    generate.add_argument("--parquet", type=Path, help="write the transactions to this Parquet file")
    defaults = GeneratorConfig()
    generate.add_argument("--transactions", type=int, default=defaults.transactions)
    generate.add_argument("--seed", type=int, default=defaults.seed)
    generate.add_argument("--days", type=int, default=defaults.days)
    generate.add_argument(
        "--start", type=_start, default=defaults.start, help="ISO 8601 date or time (China time unless given)"
    )
    generate.add_argument("--merchants", type=int, help="default: scaled from --transactions")
    generate.add_argument("--payers", type=int, help="default: scaled from --transactions")
    generate.add_argument("--fraud-share", type=float, default=defaults.fraud_share)

    for command in (imports, generate):
        command.add_argument(
            "--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help="transactions per request"
        )
        command.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser


async def _import(args: argparse.Namespace) -> None:
    summary = await import_file(
        args.address, args.file, batch_size=args.batch_size, show_progress=not args.no_progress
    )
    print(summary)


async def _generate(args: argparse.Namespace, config: GeneratorConfig) -> None:
    world = build_world(config)
    with ExitStack() as stack:
        writers = [stack.enter_context(TransactionWriter(path)) for path in (args.csv, args.parquet) if path]
        progress = stack.enter_context(
            tqdm(total=config.transactions, unit="tx", desc="generate", disable=args.no_progress)
        )
        if args.address:
            async with open_channel(args.address, client_tls()) as channel:
                loader = Loader(ingest_pb2_grpc.IngestServiceStub(channel), args.batch_size, progress)
                await loader.register(world)
                for batch in iter_batches(config, world):
                    for writer in writers:
                        writer.write(batch.transactions)
                    await loader.send(batch)
            print(loader.summary)
        else:
            for transactions in iter_transaction_batches(config, world):
                for writer in writers:
                    writer.write(transactions)
                progress.update(len(transactions))
    for path in (args.csv, args.parquet):
        if path:
            print(f"wrote {config.transactions:,} transactions to {path}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.batch_size < 1:
        parser.error("--batch-size must be at least 1")
    if args.command == "generate" and not (args.address or args.csv or args.parquet):
        parser.error("generate needs --address, --csv or --parquet")
    configure_tracing("payrisk-ingest-cli")
    try:
        if args.command == "import":
            asyncio.run(_import(args))
        else:
            try:
                config = GeneratorConfig(
                    seed=args.seed,
                    transactions=args.transactions,
                    days=args.days,
                    start=args.start,
                    merchants=args.merchants,
                    payers=args.payers,
                    fraud_share=args.fraud_share,
                )
            except ValueError as exc:
                parser.error(str(exc))
            asyncio.run(_generate(args, config))
    except ImportFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except grpc.aio.AioRpcError as exc:
        print(f"error: the ingest service said {exc.code().name}: {exc.details()}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
