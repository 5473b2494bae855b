"""Settlement review: assessment, freezes on the ledger, status in ingest, notices through push."""
