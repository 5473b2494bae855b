"""Merchant risk: registration risk, indicator risk over a window, and the risky transactions."""
