"""The registry's own operational facts; the ones every service shares are in test_common.py."""

from __future__ import annotations


async def test_asyncapi_documents_the_region_updated_event(registry):
    document = (await registry.client.get("/asyncapi")).json()

    channel = document["channels"]["de.schulerfolg.registry.region.updated.v1"]
    assert channel["address"] == "sfs.{region}.registry.region.updated"
