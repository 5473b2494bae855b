"""Ranking push objects for a request from the mined model."""
