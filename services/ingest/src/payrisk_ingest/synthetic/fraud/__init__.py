"""The fraud scenarios: steady ones spread over the whole period, and episodes that happen at a moment."""
