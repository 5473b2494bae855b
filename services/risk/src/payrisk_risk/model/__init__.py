"""Models: training with a time-based split, versioned artefacts, loading and verifying, activation."""
