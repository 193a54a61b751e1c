"""The reference commands: the compatibility matrix and the AVMA key table, as tables or JSON."""

from __future__ import annotations

import json

from avma_console.domain.keys import AVMA_KEYS, InvalidProductKeyError, avma_products_for_key, validate_key
from avma_console.domain.matrix import host_can_activate, main_versions_newest_first, matrix_as_json
from avma_console.services.text_table import render_table


def matrix_json() -> str:
    return json.dumps(matrix_as_json(), indent=2)


def matrix_table() -> str:
    versions = main_versions_newest_first()
    headers = ["host \\ guest", *(v.label for v in versions)]
    rows = [[host.label, *("X" if host_can_activate(host, guest) else "-" for guest in versions)] for host in versions]
    note = (
        "A host activates every edition (Datacenter, Standard, Essentials) of the guest versions marked X.\n"
        "Semi-annual releases: 1809/1903/1909 sit where 2019 does, 1709/1803 where 2016 does."
    )
    return render_table(headers, rows) + "\n\n" + note


def keys_json() -> str:
    entries = [{"version": v.value, "edition": e.value, "key": key} for (v, e), key in AVMA_KEYS.items()]
    return json.dumps(entries, indent=2)


def keys_table() -> str:
    rows = [[v.label, e.label, key] for (v, e), key in AVMA_KEYS.items()]
    return render_table(["version", "edition", "AVMA key"], rows)


def check_keys(keys: list[str]) -> tuple[bool, list[dict[str, object]]]:
    """Validate each key; report what it is. The first value is True only if every key is valid."""
    results: list[dict[str, object]] = []
    for raw in keys:
        try:
            normalized = validate_key(raw)
        except InvalidProductKeyError as error:
            results.append({"input": raw, "valid": False, "error": str(error)})
            continue
        products = avma_products_for_key(normalized)
        results.append(
            {
                "input": raw,
                "valid": True,
                "key": normalized,
                "avma": bool(products),
                "products": [{"version": v.value, "edition": e.value} for v, e in products],
            }
        )
    return all(bool(r["valid"]) for r in results), results


def check_keys_table(results: list[dict[str, object]]) -> str:
    rows = []
    for result in results:
        if not result["valid"]:
            rows.append(["INVALID", str(result["input"]), str(result["error"])])
            continue
        products = result["products"]
        assert isinstance(products, list)
        what = (
            "AVMA key for " + ", ".join(f"Windows Server {p['version']} {p['edition']}" for p in products)
            if products
            else "well-formed, but not an AVMA key"
        )
        rows.append(["ok", str(result["key"]), what])
    return render_table(["result", "key", "meaning"], rows)
