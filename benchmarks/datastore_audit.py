"""Benchmark: the datastore and placement audit over a 100,000-store inventory export.

    python benchmarks/datastore_audit.py [--stores N]

Generates a JSON Lines inventory (as exported from a CMDB or cloud inventory) covering every
hosting x classification x region x backup combination, then runs every `datastore.*` and
`placement.*` check without probes in a child process, so peak RSS is the audit's own.

Printed: stores/second for the whole audit (estate load + checks), peak RSS, and the ratio
against the baseline measured in the same run: simply `json.loads`-ing every line of the same
export. Reading the inventory should dominate, not the checks. Then the same estate through
`hardening scan` end to end (results store and terminal report included), with its peak RSS.
"""

from __future__ import annotations

import argparse
import itertools
import json
import tempfile
import time
from pathlib import Path

from child import run_child

HOSTINGS = ("on_prem", "cloud", "saas", None)
CLASSES = ("public", "internal", "confidential", "restricted", None)
REGIONS = ("eu-west-1", "eu-central-1", "us-east-1", "ap-southeast-2", None)
BACKUPS = (
    [],
    [{"kind": "online", "encrypted": True, "last_restore_test": "2026-10-01"}],
    [{"kind": "offline", "encrypted": True, "last_restore_test": "2026-11-01"}],
    [{"kind": "immutable", "encrypted": False}],
    [{"kind": "online", "encrypted": False}, {"kind": "offline", "encrypted": True}],
)
ZONES = ("offline", "isolated", "app_tier", "corporate", "internet", None)
TRANSIT = ("required", "optional", "off", None)


def build(root: Path, n: int) -> Path:
    combos = itertools.cycle(itertools.product(HOSTINGS, CLASSES, REGIONS, BACKUPS, ZONES))
    with (root / "stores.jsonl").open("w") as fh:
        for i in range(n):
            hosting, cls, region, backups, zone = next(combos)
            row: dict[str, object] = {
                "id": f"store-{i:06d}",
                "engine": ("postgresql", "mysql", "redis", "s3", "elasticsearch")[i % 5],
                "encryption": {"at_rest": i % 3 != 0, "in_transit": TRANSIT[i % 4]},
                "backups": backups,
            }
            for key, value in (("hosting", hosting), ("classification", cls), ("zone", zone)):
                if value is not None:
                    row[key] = value
            if hosting in ("cloud", "saas"):
                row["provider"] = "aws" if hosting == "cloud" else "snowflake"
                if region is not None:
                    row["region"] = region
            if zone is not None:
                row["internet_exposed"] = zone == "internet"
            fh.write(json.dumps(row) + "\n")
    (root / "estate.yaml").write_text(
        "version: 1\norganisation: {name: Bench Org}\n"
        "policy: {allowed_regions: [eu-west-1, eu-central-1]}\n"
        "datastores: {source: stores.jsonl}\n"
    )
    return root / "estate.yaml"


AUDIT = """
import json, resource, sys, time
from datetime import date
from hardening.estate import load_estate
from hardening.registry import discover
from hardening.runner import RunOptions, run_checks
t0 = time.perf_counter()
estate = load_estate(sys.argv[1])
t1 = time.perf_counter()
options = RunOptions(include=["datastore", "placement"], today=date(2026, 11, 25))
run = run_checks(estate, discover(), options)
t2 = time.perf_counter()
print(json.dumps({"load_s": t1 - t0, "run_s": t2 - t1, "findings": len(run.findings),
                  "rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


SCAN = """
import json, resource, sys, time
from hardening.cli import main
t0 = time.perf_counter()
code = main(["scan", sys.argv[1], "--store", sys.argv[2], "--no-progress", "--today",
             "2026-11-25", "-o", sys.argv[3]])
print(json.dumps({"s": time.perf_counter() - t0, "code": code,
                  "rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stores", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        estate = build(Path(tmp), args.stores)
        t0 = time.perf_counter()
        with (Path(tmp) / "stores.jsonl").open() as fh:
            rows = [json.loads(line) for line in fh]
        baseline = time.perf_counter() - t0
        del rows
        r = run_child(AUDIT, estate)
        total = r["load_s"] + r["run_s"]
        print(f"baseline json.loads of the export: {baseline:.2f} s")
        print(
            f"datastore+placement audit: {args.stores / total:,.0f} stores/s ({total:.1f} s: "
            f"estate load {r['load_s']:.1f} s, checks {r['run_s']:.1f} s), "
            f"peak RSS {r['rss_kib'] / 1024:,.0f} MiB, {r['findings']:,} findings, "
            f"ratio to json.loads {total / baseline:.1f}x"
        )
        # What a user waits for: `hardening scan` end to end, run recorded in the results
        # store and the terminal report written.
        c = run_child(SCAN, estate, Path(tmp) / "runs.sqlite", Path(tmp) / "report.txt")
        print(
            f"`hardening scan` end to end (load, checks, results store, terminal report): "
            f"{c['s']:.1f} s, peak RSS {c['rss_kib'] / 1024:,.0f} MiB, exit {c['code']}"
        )


if __name__ == "__main__":
    main()
