"""Materials: downloads with type and size limits, stored in a configurable directory."""
