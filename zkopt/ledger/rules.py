"""The ledger's rules as pure functions over plain values: what a transaction or a price report must satisfy.

Two parties apply them and neither may drift from the other: ``Ledger.submit`` and ``post_price``
(``store.py``) with what they read from the file under the write lock, and the auditor
(``zkopt.audit.replay``) with the state it recomputed from the log alone. So nothing here touches SQL:
each rule takes the values it judges and, where it needs the ledger's past, a lookup
(``spent_in(nf)``, ``created_in(cm)``, ``final_price(asset, expiry)``: the entry or report, or None;
``is_recent(root)``).

A broken rule raises ``RuleBroken``, a ``LedgerRejected`` with three parts: ``reason``, the ledger's
one line to whoever submits now ("expiry 5 has not passed (ledger time 3)"); ``finding``, the auditor's
line about an entry already in the log ("settled at 3, before the expiry 5"); and ``check``, the audit
check it belongs to. A rule returns None, or the value the caller goes on with.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence

from zkopt import field
from zkopt.errors import LedgerRejected, MalformedInput, MalformedSubmission
from zkopt.groth16 import Proof
from zkopt.ledger.oracle import FinalPrice
from zkopt.native.payoff import U64_BOUND
from zkopt.ledger.transactions import MAX_BUNDLE, SPECS, KindSpec, check_notes
from zkopt.native import payoff

R = field.R


class RuleBroken(LedgerRejected):
    """A ledger rule does not hold: ``reason`` for the submitter, ``finding`` for the auditor, ``check`` its name."""

    def __init__(self, check: str, reason: str, finding: str | None = None):
        super().__init__(reason)
        self.check = check
        self.finding = reason if finding is None else finding

    def __reduce__(self):
        # Exceptions are pickled as cls(*args); these take three, so a refusal crosses process pools intact.
        return type(self), (self.check, self.reason, self.finding)


class UnusableInput(RuleBroken, MalformedSubmission):
    """A rule of shape, encoding or range: the submission could not even be checked (the CLI's exit 2)."""


# --- stateless: the shape of a transaction ------------------------------------------------------


def known_kind(kind: object, kinds: Collection[str]) -> KindSpec:
    """The kind's spec; RuleBroken unless ``kind`` is one of ``kinds`` (the genesis's circuits)."""
    if not isinstance(kind, str) or kind not in kinds or kind not in SPECS:
        known = ", ".join(sorted(str(k) for k in kinds))
        raise RuleBroken(
            "transaction",
            f"unknown transaction kind {kind!r}; this ledger accepts {known}",
            f"unknown transaction kind {kind!r}",
        )
    return SPECS[kind]


def public_values(kind: str, names: Sequence[str], public: object) -> dict[str, int]:
    """The public inputs by name: as many as ``names``, each an integer in [0, r).

    ``r`` itself matters: ``x + r`` satisfies the pairing equation just as ``x`` does.
    """
    if isinstance(public, (str, bytes)) or not isinstance(public, Sequence):
        raise UnusableInput("public-input", "public inputs must be a list of integers")
    if len(public) != len(names):
        raise UnusableInput(
            "public-input",
            f"{kind} takes {len(names)} public inputs, got {len(public)}",
            f"stored public inputs are unusable: {len(public)} public inputs, the {kind} circuit has {len(names)}",
        )
    for name, value in zip(names, public):
        if isinstance(value, bool) or not isinstance(value, int):
            raise UnusableInput("public-input", f"public input {name} is not an integer")
        if not 0 <= value < R:
            reason = f"public input {name} is not a canonical field element (must be in [0, r))"
            raise UnusableInput("public-input", reason)
    return dict(zip(names, public))


def u64_inputs(spec: KindSpec, values: Mapping[str, int]) -> None:
    """The amount, expiry and price are below 2^64 (the pool balance and the price table depend on it)."""
    roles = [(spec.amount, "pool")] if spec.amount else []
    if spec.settlement:
        roles += [(name, "settlement") for name in spec.settlement[1:]]
    if spec.opens_until:
        roles.append((spec.opens_until, "expiry"))
    for name, check in roles:
        if values[name] >= U64_BOUND:
            raise UnusableInput(check, f"public input {name} exceeds 64 bits", f"{name} exceeds 64 bits")


def groth16_proof(proof: object) -> Proof:
    if not isinstance(proof, Proof):
        raise UnusableInput("proof", "the proof is not a Groth16 proof")
    return proof


def transaction_shape(
    kind: object, names: Mapping[str, Sequence[str]], public: object, proof: object
) -> tuple[KindSpec, dict[str, int]]:
    """Every check that needs no state, in order: kind, public inputs, 64-bit roles, proof type.

    ``names`` maps each kind of the genesis to its public signal names. Returns the spec and the values by name.
    """
    spec = known_kind(kind, names)
    values = public_values(spec.kind, names[spec.kind], public)
    u64_inputs(spec, values)
    groth16_proof(proof)
    return spec, values


# --- the log, nullifiers and roots -----------------------------------------------------------------


def in_time_order(now: int, last: int | None) -> None:
    """An entry is never logged before the previous one (``last``: its time, None for the first entry)."""
    if last is not None and now < last:
        raise RuleBroken(
            "clock",
            f"the ledger clock went backwards ({now} is before the last entry's {last})",
            f"accepted at {now}, before the previous entry ({last})",
        )


def fresh_nullifiers(
    spec: KindSpec, values: Mapping[str, int], spent_in: Callable[[int], int | None]
) -> list[int]:
    """The transaction's nullifiers, distinct and none spent before (``spent_in``: the entry that spent it)."""
    nullifiers = [values[name] for name in spec.nullifiers]
    if len(set(nullifiers)) != len(nullifiers):
        raise RuleBroken("nullifier", "the transaction publishes the same nullifier twice")
    for name in spec.nullifiers:
        seq = spent_in(values[name])
        if seq is not None:
            raise RuleBroken(
                "nullifier",
                f"nullifier {name} was already spent (entry {seq})",
                f"nullifier {name} was already spent in entry {seq}",
            )
    return nullifiers


def recent_root(spec: KindSpec, values: Mapping[str, int], is_recent: Callable[[int], bool], history: int) -> None:
    """The proof's root is one of the last ``history`` roots (``is_recent`` says whether a root is)."""
    if spec.root and not is_recent(values[spec.root]):
        raise RuleBroken(
            "root",
            f"root is not one of the last {history} roots (stale or unknown)",
            f"the proof's root was not one of the last {history} roots",
        )


# --- settlement and margin ------------------------------------------------------------------------


def open_expiry(spec: KindSpec, values: Mapping[str, int], now: int) -> None:
    """A position opens only with an expiry after the ledger's clock: one that has passed could settle at once."""
    if not spec.opens_until:
        return
    expiry = values[spec.opens_until]
    if expiry <= now:
        raise RuleBroken(
            "expiry",
            f"the position's expiry {expiry} is not after the ledger's time {now}",
            f"opened at {now} with an expiry ({expiry}) that is not after it",
        )


def settlement_time(spec: KindSpec, values: Mapping[str, int], now: int) -> None:
    """A settlement is accepted only once the ledger's clock has reached its expiry."""
    if not spec.settlement:
        return
    expiry = values[spec.settlement[1]]
    if now < expiry:
        raise RuleBroken(
            "settlement",
            f"expiry {expiry} has not passed (ledger time {now})",
            f"settled at {now}, before the expiry {expiry}",
        )


def settlement_price(
    spec: KindSpec, values: Mapping[str, int], final_price: Callable[[int, int], FinalPrice | None]
) -> None:
    """The settlement's price is the attested final price of its (asset, expiry), observed at or after the expiry."""
    if not spec.settlement:
        return
    asset, expiry, price = (values[name] for name in spec.settlement)
    final = final_price(asset, expiry)
    if final is None:
        raise RuleBroken(
            "settlement",
            f"no attested price for asset {asset} at expiry {expiry}",
            "no price for this asset and expiry was attested earlier in the log",
        )
    if final.observed_at < expiry:
        raise RuleBroken("settlement", f"the attested price for expiry {expiry} was observed before it")
    if price != final.price:
        raise RuleBroken("settlement", f"settlement price {price} differs from the attested price {final.price}")


def required_grid(asset: int, spot: FinalPrice | None, shocks: Sequence[int]) -> list[int]:
    """The margin grid of ``asset``: ``payoff.default_grid(spot, shocks)``; RuleBroken without a spot."""
    if spot is None:
        raise RuleBroken(
            "margin",
            f"no attested spot price for asset {asset} (the margin grid needs one)",
            f"no spot price for asset {asset} was attested earlier in the log",
        )
    try:
        return payoff.default_grid(spot.price, shocks)
    except ValueError as exc:
        raise RuleBroken(
            "margin",
            f"the margin grid of asset {asset} is unusable: {exc}",
            f"the margin grid of spot {spot.price} is unusable: {exc}",
        ) from None


def margin_grid(
    spec: KindSpec, names: Sequence[str], values: Mapping[str, int], spot: FinalPrice | None, shocks: Sequence[int]
) -> None:
    """An open publishes the margin grid of its asset, point by point and in order.

    ``spot`` is the asset's spot at the transaction's time (its attested report with the latest
    expiry at or before it); ``names`` the kind's public names, which say where ``grid[i]`` is.
    """
    if not spec.margin_asset:
        return
    asset = values[spec.margin_asset]
    required = required_grid(asset, spot, shocks)
    given = [values[name] for name in spec.grid_names(names)]
    if given != required:
        raise RuleBroken(
            "margin",
            f"the margin grid is not the ledger's for asset {asset}: expected [{min(required)} .. {max(required)}] "
            f"(spot {spot.price} x the genesis shocks), given [{min(given)} .. {max(given)}]",
            f"the grid [{min(given)} .. {max(given)}] is not the margin grid [{min(required)} .. {max(required)}] "
            f"of the attested spot {spot.price}",
        )


# --- the pool and the note tree ---------------------------------------------------------------------


def pool_change(spec: KindSpec, values: Mapping[str, int]) -> int:
    """What the transaction adds to the pool balance (negative for a withdrawal, 0 without an amount)."""
    return spec.amount_sign * values[spec.amount] if spec.amount else 0


def pool_after(pool: int, change: int) -> int:
    """The pool balance after ``change``; RuleBroken when it would become negative."""
    after = pool + change
    if after < 0:
        raise RuleBroken(
            "pool",
            f"withdrawal of {-change} exceeds the pool balance {pool}",
            f"the pool balance becomes negative ({after})",
        )
    return after


def new_output(name: str, cm: int, created_in: Callable[[int], int | None]) -> None:
    """An output commitment is not 0 (the empty leaf) and not on the ledger yet (``created_in``: its entry)."""
    if cm == 0:
        raise RuleBroken("commitment", f"output commitment {name} is 0, the empty leaf", f"output {name} is 0")
    seq = created_in(cm)
    if seq is not None:
        raise RuleBroken(
            "commitment",
            f"output commitment {name} is already on the ledger (entry {seq})",
            f"output {name} is already on the ledger",
        )


def tree_room(leaf_count: int, adding: int, capacity: int) -> None:
    if leaf_count + adding > capacity:
        raise RuleBroken("commitment", f"the note tree is full ({capacity} leaves)", "the tree is full")


def new_outputs(
    spec: KindSpec,
    values: Mapping[str, int],
    created_in: Callable[[int], int | None],
    leaf_count: int,
    capacity: int,
) -> list[int]:
    """The output commitments, in order: each new and non-zero, all distinct, and room for them in the tree."""
    for name in spec.outputs:
        new_output(name, values[name], created_in)
    outputs = [values[name] for name in spec.outputs]
    if len(set(outputs)) != len(outputs):
        raise RuleBroken("commitment", "the transaction creates the same commitment twice")
    tree_room(leaf_count, len(outputs), capacity)
    return outputs


# --- bundles and conditions ---------------------------------------------------------------------------


def condition_of(spec: KindSpec, values: Mapping[str, int]) -> int:
    """The commitment the transaction's bundle must create (0: none)."""
    return values[spec.condition] if spec.condition else 0


def unconditional(spec: KindSpec, values: Mapping[str, int]) -> None:
    """A transaction outside a bundle has no condition: nothing alone can create what it waits for."""
    if condition_of(spec, values):
        raise RuleBroken(
            "condition",
            "the transaction is conditioned on a commitment: it is valid only in a bundle that creates it",
            "a conditioned transaction was accepted outside a bundle",
        )


def bundle_conditions(members: Sequence[tuple[KindSpec, Mapping[str, int]]]) -> None:
    """Every condition in a bundle is an output commitment of another of its transactions."""
    for i, (spec, values) in enumerate(members):
        condition = condition_of(spec, values)
        if not condition:
            continue
        others = {v[name] for j, (s, v) in enumerate(members) if j != i for name in s.outputs}
        if condition not in others:
            raise RuleBroken(
                "condition",
                f"bundle transaction {i + 1} of {len(members)}: its condition is a commitment no other "
                "transaction of the bundle creates",
                f"bundle transaction {i + 1} of {len(members)} is conditioned on a commitment the bundle does not create",
            )


def bundle_size(size: int) -> None:
    if not 1 <= size <= MAX_BUNDLE:
        raise UnusableInput("bundle", f"a bundle holds 1 to {MAX_BUNDLE} transactions, got {size}")


def encrypted_notes(notes: object) -> tuple[bytes, ...]:
    """The transaction's encrypted notes within their limits (count, size); they are never decrypted here."""
    try:
        return check_notes(notes)
    except MalformedInput as exc:
        raise UnusableInput("notes", str(exc)) from None


# --- price reports -----------------------------------------------------------------------------------


def first_final_price(asset: int, expiry: int, existing: int | None) -> None:
    """One final price per (asset, expiry): the first stands (``existing``: the entry that holds one)."""
    if existing is not None:
        raise RuleBroken(
            "oracle",
            f"asset {asset} at expiry {expiry} already has a final price (entry {existing})",
            "a second final price for the same asset and expiry",
        )
