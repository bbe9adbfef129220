"""Which implementation of curve arithmetic and pairings runs: the fast one or py_ecc's reference.

The fast backend is the default. The reference backend (py_ecc) exists so that
every fast result can be checked against an independent implementation; select
it with ``use("reference")`` (a context manager) or the environment variable
``ZKOPT_CURVE_BACKEND=reference``.
"""

from __future__ import annotations

import contextlib
import os

FAST = "fast"
REFERENCE = "reference"
_NAMES = (FAST, REFERENCE)

_current = os.environ.get("ZKOPT_CURVE_BACKEND", FAST)
if _current not in _NAMES:
    raise RuntimeError(f"ZKOPT_CURVE_BACKEND must be one of {_NAMES}, not {_current!r}")


def current() -> str:
    """The name of the backend in force."""
    return _current


def set_backend(name: str) -> None:
    global _current
    if name not in _NAMES:
        raise ValueError(f"unknown curve backend {name!r}; choose one of {_NAMES}")
    _current = name


@contextlib.contextmanager
def use(name: str):
    """Run a block with the named backend, restoring the previous one afterwards."""
    previous = _current
    set_backend(name)
    try:
        yield
    finally:
        set_backend(previous)
