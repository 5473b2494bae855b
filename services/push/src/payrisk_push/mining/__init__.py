"""Mining offline bills and their payment environment into topics, per-tag topic mixes and push objects."""
