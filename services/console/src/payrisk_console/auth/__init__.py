"""Who is signed in: accounts with hashed passwords, the signed session cookie, CSRF tokens."""
