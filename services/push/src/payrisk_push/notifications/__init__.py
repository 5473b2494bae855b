"""Notifications: persisted when accepted, delivered at least once to every terminal they are for."""
