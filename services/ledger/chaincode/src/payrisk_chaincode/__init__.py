"""payrisk's chaincode: fund freezes and Merkle-root anchors on the `payrisk` channel."""
