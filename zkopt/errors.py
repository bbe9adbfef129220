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


class DamagedValue(MalformedInput, ValueError):
    """A value read back from a ledger file is not what was written (a damaged row): unusable, run the auditor.

    Also a ValueError, so every decoder's caller that handles bad encodings handles it.
    """


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


class MalformedSubmission(LedgerRejected, MalformedInput):
    """The ledger refused a submission it could not even check (shape, encoding, range): unusable input, file unchanged.

    Both a ``LedgerRejected`` (nothing was recorded) and a ``MalformedInput``
    (the CLI's exit 2, not the 1 of a transaction checked and refused).
    """


class LedgerBusy(LedgerRejected):
    """Another process held the ledger's write lock for the whole bounded wait: nothing was changed; retry.

    The CLI exits with 75 (sysexits' EX_TEMPFAIL), never with a rejection's code.
    """


#: Longest echo of an input value inside an error message.
SHOWN_CHARS = 40


def shown(value: object, limit: int = SHOWN_CHARS) -> str:
    """An input value as an error message may echo it: quoted, ASCII only, at most ``limit`` characters.

    Non-ASCII characters are escaped (a Cyrillic look-alike of "deposit" shows
    as 'd\\u0435posit', never as deposit), and a long value is cut with its
    length (a 100 KB string is not echoed whole).
    """
    text = ascii(value) if isinstance(value, str) else ascii(str(value))
    if len(text) <= limit:
        return text
    return f"{text[: limit - 1]}...' ({len(str(value)):,} characters)"
