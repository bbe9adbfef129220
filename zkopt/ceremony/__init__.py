"""Multi-party trusted setup as snarkjs runs it: powers of tau (phase 1) and per-circuit phase 2 (BGM17).

``ptau``: the .ptau file; ``phase1``: new, contribute, beacon, verify,
prepare phase 2; ``phase2``: zkey new, contribute, beacon, verify;
``transcript``: the hashing, randomness and hash-to-G2 both phases share
with snarkjs byte for byte. The package takes any R1CS (it never imports a
circuit) and writes files snarkjs reads and verifies; see
../shared/notes/mpc-setup.md and docs/decisions.md ("Trusted setup").
"""
