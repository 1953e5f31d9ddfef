"""The read model of registry persons: names, organisation and identity for members and recusal."""
