"""Generated fleets for `avma-console lab --hosts N --vms-per-host M` and the benchmarks.

A realistic mix, seeded so every run is the same: mostly activated Datacenter hosts of recent versions,
clusters of two to four nodes, and the problems operators meet (an unactivated node, a Standard host, guests
newer than their host, Data Exchange off, KMS and retail keys, desktop guests, stopped VMs).
"""

from __future__ import annotations

import random
from typing import Any

_HOST_VERSIONS = (("2025", 2), ("2022", 5), ("2019", 3), ("2016", 1))
_GUEST_VERSIONS = (("2025", 1), ("2022", 4), ("2019", 4), ("2016", 2), ("2012R2", 1))
_GUEST_EDITIONS = (("Standard", 6), ("Datacenter", 3))
_KEYS = (("avma", 85), ("kms", 7), ("retail", 3), ("avma:2022", 1), (None, 2))
_ROLES = ("web", "sql", "app", "file", "dc", "rds", "exch", "erp", "ci", "mon")


def _pick(rng: random.Random, table: tuple[tuple[Any, int], ...]) -> Any:
    values, weights = zip(*table, strict=True)
    return rng.choices(values, weights=weights, k=1)[0]


def generate_fleet(hosts: int, vms_per_host: int, *, seed: int = 7, password: str = "lab-generated") -> dict[str, Any]:  # noqa: S107 - the lab's own
    """A fleet file's data (see DESIGN.md "Lab fleet file")."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible lab, not cryptography
    host_entries: list[dict[str, Any]] = []
    clusters: list[dict[str, Any]] = []
    index = 0
    while index < hosts:
        clustered = rng.random() < 0.6 and hosts - index >= 2
        size = min(rng.randint(2, 4), hosts - index) if clustered else 1
        site = f"S{index // 40 + 1:02d}"
        names = [f"HV-{site}-{index + offset + 1:04d}" for offset in range(size)]
        version = _pick(rng, _HOST_VERSIONS)
        for name in names:
            entry: dict[str, Any] = {
                "name": name,
                "version": version if rng.random() < 0.9 else _pick(rng, _HOST_VERSIONS),
                "edition": "Datacenter" if rng.random() < 0.93 else rng.choice(["Standard", "DatacenterEvaluation"]),
                "activated": rng.random() < 0.95,
                "hyperv": True,
                "vms": [],
            }
            for vm_number in range(vms_per_host):
                guest_version = _pick(rng, _GUEST_VERSIONS)
                vm: dict[str, Any] = {
                    "name": f"{rng.choice(_ROLES)}-{index + 1:04d}-{vm_number + 1:02d}",
                    "guest_version": guest_version,
                    "guest_edition": _pick(rng, _GUEST_EDITIONS),
                    "key": _pick(rng, _KEYS),
                    "kvp": rng.random() < 0.96,
                    "running": rng.random() < 0.9,
                }
                if rng.random() < 0.02:
                    vm = {
                        "name": vm["name"].replace("-", "-vdi-", 1),
                        "key": None,
                        "kvp": True,
                        "running": True,
                        "os_name": "Windows 11 Enterprise",
                    }
                elif vm["key"] == "avma:2022" and guest_version == "2022":
                    vm["key"] = "avma:2019"
                entry["vms"].append(vm)
            host_entries.append(entry)
        if clustered:
            clusters.append({"name": f"CL-{site}-{len(clusters) + 1:03d}", "nodes": names})
        index += size
    return {
        "credentials": {"username": "LAB\\operator", "password": password},
        "guest_credentials": {"username": "Administrator", "password": password + "-guest"},
        "clusters": clusters,
        "hosts": host_entries,
    }
