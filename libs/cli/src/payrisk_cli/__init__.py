"""The `payrisk` command: operate a running payrisk system by hand."""
