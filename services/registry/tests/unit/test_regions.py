"""The regions the registry seeds, without a database."""

from __future__ import annotations

from contract_facts import CONTRACT_REGIONS

from registry.regions.seed import region_seeds
from schulerfolg.regions import REGIONS


def test_the_seed_has_the_regions_the_shared_library_validates_with():
    assert {seed.slug: seed.district_key for seed in region_seeds()} == REGIONS == CONTRACT_REGIONS
