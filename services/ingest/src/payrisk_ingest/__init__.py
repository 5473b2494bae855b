"""payrisk ingest service: merchants, devices, transactions, offline bills and labels."""
