"""Messaging: NATS JetStream broker, streams, transactional outbox, inbox-guarded consumers."""
