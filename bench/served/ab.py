"""`python -m bench.served.ab`: two variants of the services side by side, measured in alternating rounds.

A lever moves a request's CPU by a few percent while a shared machine's load moves it by tens of percent, so
a before/after pair of whole runs says little. Here both variants run at once on the same databases (variant
A from another checkout, such as `git worktree add /tmp/before main`, or with other uvicorn options), and
each round measures A then B, so drift in the machine's load falls on both. Prints the median of the rounds.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from bench.served import ceiling
from bench.served.run import FULL, OPERATIONS, PG_ADMIN_URL, Bench, Row, Sizes, ceilings, note
from bench.served.stack import ROOT, Databases, Variant, running

SERVICES = ["eligibility", "payments", "asylum"]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.served.ab", description=__doc__.split("\n\n")[0])
    parser.add_argument("--a-root", type=Path, default=ROOT, help="checkout variant A runs (default: this one)")
    parser.add_argument("--a-uvicorn", default="", help="extra uvicorn options of variant A")
    parser.add_argument("--b-uvicorn", default="", help="extra uvicorn options of variant B (this checkout)")
    parser.add_argument("--only", default="read,shared-read,registration,payout")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3)
    args = parser.parse_args()
    sizes = Sizes(args.seconds, 2_000, 1_000, FULL.intake_rows, FULL.list_entries)
    variants = {
        "A": Variant(args.a_root.resolve(), tuple(args.a_uvicorn.split())),
        "B": Variant(ROOT, tuple(args.b_uvicorn.split())),
    }
    results: dict[tuple[str, str], list[Row]] = {}
    databases = Databases(PG_ADMIN_URL)
    try:
        with tempfile.TemporaryDirectory(prefix="carrots-ab-") as tmp:
            ceiling_url = databases.create("ceiling")
            item_id = ceiling.prepare(ceiling_url, 1_000)
            note("migrating and starting both variants")
            with running(SERVICES, databases, Path(tmp), ceiling_url, variants) as servers:
                for round_number in range(args.rounds):
                    for label in variants:
                        view = {name: servers[f"{name}@{label}"] for name in SERVICES}
                        view |= {f"{name}-worker": servers[f"{name}@{label}-worker"] for name in SERVICES}
                        bench = Bench({**view, "ceiling": servers["ceiling"]}, Path(tmp), sizes, with_ceiling=False)
                        for name in args.only.split(","):
                            note(f"round {round_number + 1}, variant {label}: {name}")
                            results.setdefault((name, label), []).append(
                                OPERATIONS[name](bench, ceilings(item_id), sizes)
                            )
    finally:
        databases.drop_all()
    print(
        f"A: {variants['A']}\nB: {variants['B']}\nmedians of {args.rounds} alternating rounds of {args.seconds:g} s\n"
    )
    print("| operation | A req/s | B req/s | A CPU ms each | B CPU ms each | CPU change |")
    print("|---|---|---|---|---|---|")
    for name in args.only.split(","):
        a, b = results[(name, "A")], results[(name, "B")]
        rate_a, rate_b = (statistics.median(r.carrots for r in rows) for rows in (a, b))
        cpu_a, cpu_b = (statistics.median(r.cpu_ms or 0.0 for r in rows) for rows in (a, b))
        change = 100 * (cpu_b / cpu_a - 1)
        print(f"| {name} | {rate_a:,.0f} | {rate_b:,.0f} | {cpu_a:.2f} | {cpu_b:.2f} | {change:+.0f} % |")


if __name__ == "__main__":
    main()
