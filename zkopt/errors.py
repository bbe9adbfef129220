"""The exceptions zkopt raises: one root, few flat kinds, each mapped to a CLI exit code.

Verification raises; it never returns a boolean a caller could forget to check
(the pyca/cryptography habit). ``MalformedInput`` and its subclasses mean the
input could not even be checked (CLI exit 2); ``InvalidProof`` means it was
checked and is false (CLI exit 1).
"""


class ZkoptError(Exception):
    """Root of every error zkopt raises on purpose."""


class MalformedInput(ZkoptError):
    """Unusable input: unreadable, wrong shape, non-canonical number, bad point."""


class MalformedProof(MalformedInput):
    """A proof or its public inputs cannot be checked as given."""


class MalformedKey(MalformedInput):
    """A proving or verification key cannot be used as given."""


class InvalidPoint(MalformedInput):
    """A curve point is off the curve, outside the prime-order subgroup, or at infinity where forbidden."""


class InvalidProof(ZkoptError):
    """The proof was checked and does not prove the statement.

    For a batch, ``indices`` lists the positions of the proofs that failed.
    """

    def __init__(self, message: str = "proof does not verify", indices: list[int] | None = None):
        self.indices = list(indices or [])
        super().__init__(message)


class InvalidTranscript(InvalidProof):
    """A ceremony file (.ptau or .zkey) was checked and is not a valid transcript.

    ``contribution`` is the 1-based number of the first bad contribution, or
    None when the fault is not in one contribution (the points, the circuit).
    """

    def __init__(self, message: str, contribution: int | None = None):
        self.contribution = contribution
        super().__init__(message)


class Unsatisfied(ZkoptError):
    """A witness violates a constraint; ``label`` names the first one that fails."""

    def __init__(self, label: str, message: str | None = None):
        self.label = label
        super().__init__(message or f"constraint not satisfied: {label}")


class LedgerRejected(ZkoptError):
    """The ledger refused a transaction; ``reason`` is one line and nothing was changed."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)
