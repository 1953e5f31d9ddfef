"""Personal data through its whole life (CONTRACT.md, "privacy"), the shared parts:

- ``erasure``: erasing an address everywhere a service keeps copies — its platform tables
  (stored responses, published outbox rows, dead letters), its own stream's messages — and the
  consumer that answers the registry's erasure requests;
- ``retention``: the housekeeping tasks that anonymise what has outlived its retention;
- ``audit``: the audit log, written in the same transaction as the change it records;
- ``own_data``: ``GET /me/data``, what a service holds about the caller.
"""
