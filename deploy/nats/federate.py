"""Connect a regional site's JetStream with the state hub's by stream sourcing (idempotent).

A region that runs offers and meetings itself keeps their streams (``OFFERS``, ``MEETINGS``) in
its own JetStream domain, named after the region slug (leaf.conf). Run once per region, again
whenever you like (it changes only what is missing):

    uv run python deploy/nats/federate.py hub --nats-url nats://nats-hub:4222 --region boerde
    uv run python deploy/nats/federate.py region --nats-url nats://nats-boerde:4222 --region boerde

``hub``:    the hub's ``OFFERS`` and ``MEETINGS`` streams (declared by the state's services;
            created here if they do not exist yet) also source the region's streams of the same
            name from the region's domain, so the state's consumers (notifications, statistics)
            see the region's events. The services keep such sources when they re-declare their
            streams.
``region``: the region's ``REGISTRY`` stream sources the hub's, with only the region's own and
            the state-level events (``sfs.<region>.registry.>``, ``sfs.state.registry.>``), so
            the regional services know the schools, organisations and persons of their region.

Sourcing runs over the JetStream API of the other domain (``$JS.<domain>.API``) through the
leaf connection; after an outage it resumes from the last sequence it copied, so nothing is
lost, and the events' ``Nats-Msg-Id`` keeps the copies free of duplicates.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable, Sequence

import nats
from nats.js import api
from nats.js.errors import NotFoundError

from schulerfolg.messaging.broker import StreamSpec

HUB_DOMAIN = "hub"  # jetstream.domain in hub.conf
REGIONAL_STREAMS = ("offers", "meetings")  # what a region runs itself
HUB_STREAMS = ("registry",)  # what a region reads from the state


def api_prefix(domain: str) -> str:
    """The JetStream API of another domain."""
    return f"$JS.{domain}.API"


def regional_source(region: str, service: str) -> api.StreamSource:
    """The hub's source for a region's stream of ``service``."""
    return api.StreamSource(
        name=service.upper(), external=api.ExternalStream(api=api_prefix(region))
    )


def hub_source(region: str, service: str) -> api.StreamSource:
    """The region's source for the hub's stream of ``service``: its own and state-level events."""
    return api.StreamSource(
        name=service.upper(),
        external=api.ExternalStream(api=api_prefix(HUB_DOMAIN)),
        subject_transforms=[
            api.SubjectTransform(src=subject, dest=subject)
            for subject in (f"sfs.{region}.{service}.>", f"sfs.state.{service}.>")
        ],
    )


def same_source(a: api.StreamSource, b: api.StreamSource) -> bool:
    """Whether two sources read the same stream of the same domain."""
    return a.name == b.name and (a.external and a.external.api) == (b.external and b.external.api)


async def ensure_sources(
    js: object, name: str, base: api.StreamConfig, wanted: Sequence[api.StreamSource]
) -> api.StreamConfig:
    """Create stream ``name`` from ``base`` or add the missing ``wanted`` sources to it."""
    try:
        info = await js.stream_info(name)  # type: ignore[attr-defined]
    except NotFoundError:
        base.sources = list(wanted)
        return (await js.add_stream(base)).config  # type: ignore[attr-defined]
    config = info.config
    present = list(config.sources or [])
    missing = [s for s in wanted if not any(same_source(s, p) for p in present)]
    if not missing:
        return config
    config.sources = present + missing
    return (await js.update_stream(config)).config  # type: ignore[attr-defined]


async def federate_hub(
    nats_url: str, region: str, services: Sequence[str] = REGIONAL_STREAMS
) -> None:
    """At the hub: source the region's streams into the hub's streams of the same name."""
    await _federate(nats_url, services, lambda service: regional_source(region, service))


async def federate_region(
    nats_url: str, region: str, services: Sequence[str] = HUB_STREAMS
) -> None:
    """At the region: a local copy of the hub's streams with the region's and the state's events;
    nothing is published to it there (no subjects of its own)."""
    await _federate(nats_url, services, lambda service: hub_source(region, service), subjects=[])


async def _federate(
    nats_url: str,
    services: Sequence[str],
    source: Callable[[str], api.StreamSource],
    subjects: list[str] | None = None,
) -> None:
    """Give each service's stream at ``nats_url`` its source (creating the stream if needed)."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        for service in services:
            spec = StreamSpec.for_service(service)
            base = spec.config()
            if subjects is not None:
                base.subjects = subjects
            await ensure_sources(js, spec.name, base, [source(service)])
    finally:
        await nc.close()


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: ``federate.py hub|region --nats-url URL --region SLUG``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("side", choices=["hub", "region"], help="which NATS to configure")
    parser.add_argument("--nats-url", required=True, help="the NATS of that side")
    parser.add_argument("--region", required=True, help="the region slug (its JetStream domain)")
    args = parser.parse_args(argv)
    federate = federate_hub if args.side == "hub" else federate_region
    asyncio.run(federate(args.nats_url, args.region))
    print(f"{args.side}: federated with {args.region}")


if __name__ == "__main__":
    main()
