"""Regenerate circuits/stats.json: the pinned size of every registered circuit, at default parameters and depth 4.

    python tools/gen_circuit_stats.py            # rewrite circuits/stats.json
    python tools/gen_circuit_stats.py --check    # exit 1 (and say what changed) if the file is stale

tests/test_circuit_registry.py compares the file with a fresh ``stats()``, so a
change of cost (a "harmless refactor" that doubles a range check) fails the
suite until this tool is run and the diff of stats.json is committed with it.
Per entry: the parameters (defaults filled in), constraints, variables (the
constant one included), public signals, and the Groth16 evaluation domain
(the smallest power of two holding the constraints plus one row per public
signal and the constant one), which is what proving time follows.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from zkopt import r1cs  # noqa: E402
from zkopt.circuits import build  # noqa: E402
from zkopt.groth16 import qap  # noqa: E402

STATS = REPO / "circuits" / "stats.json"

#: (name, params) pairs pinned: each circuit at its defaults, and the spending circuits at the test depth 4.
CONFIGS: list[tuple[str, dict[str, int]]] = [
    ("chain", {}),
    ("deposit", {}),
    ("open", {}),
    ("open", {"depth": 4}),
    ("settle", {}),
    ("settle", {"depth": 4}),
    ("transfer", {}),
    ("transfer", {"depth": 4}),
    ("withdraw", {}),
    ("withdraw", {"depth": 4}),
]


def entry(name: str, params: dict[str, int]) -> dict:
    circuit = build(name, params)
    shape = r1cs.compile(circuit)
    return {
        "circuit": name,
        "params": circuit.params(),
        "constraints": shape.n_constraints,
        "variables": shape.n_variables,
        "public": shape.n_public,
        "qap_domain": qap.domain_for(shape).size,
    }


def stats() -> dict:
    return {
        "generated_by": "tools/gen_circuit_stats.py (do not edit by hand)",
        "entries": [entry(name, params) for name, params in CONFIGS],
    }


def render(data: dict) -> str:
    return json.dumps(data, indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with circuits/stats.json instead of writing it")
    args = parser.parse_args(argv)
    text = render(stats())
    if args.check:
        current = STATS.read_text() if STATS.exists() else ""
        if current != text:
            print(f"{STATS.relative_to(REPO)} is stale; run tools/gen_circuit_stats.py", file=sys.stderr)
            return 1
        print(f"{STATS.relative_to(REPO)} is up to date")
        return 0
    STATS.parent.mkdir(parents=True, exist_ok=True)
    STATS.write_text(text)
    print(f"wrote {STATS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
