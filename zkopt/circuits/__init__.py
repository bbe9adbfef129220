"""The circuits zkopt proves, by name: the ``chain`` benchmark and (later) the option transactions.

``build(name, params)`` is how the CLI and the proving-key loader turn a
recorded (name, parameters) pair back into the one circuit definition.
"""

from __future__ import annotations

from collections.abc import Mapping

from zkopt.circuits.chain import Chain
from zkopt.r1cs import Circuit

REGISTRY: dict[str, type[Circuit]] = {
    Chain.name: Chain,
}


def build(name: str, params: Mapping[str, int] | None = None) -> Circuit:
    """Instantiate a registered circuit; raises ValueError with a one-line reason."""
    if name not in REGISTRY:
        raise ValueError(f"unknown circuit {name!r}; known: {', '.join(sorted(REGISTRY))}")
    try:
        return REGISTRY[name](**dict(params or {}))
    except TypeError as exc:
        raise ValueError(f"bad parameters for circuit {name}: {exc}") from None
