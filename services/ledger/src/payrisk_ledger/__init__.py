"""payrisk ledger service."""
