"""The ``open`` circuit: a writer spends a cash note into a position note (the collateral) and change, margin-checked.

The module is ``open_position`` so that it does not shadow the builtin
``open``; the circuit's registry name is ``"open"``.
"""

from __future__ import annotations

from collections.abc import Sequence

from zkopt.circuits import notes
from zkopt.gadgets.bits import enforce_range
from zkopt.gadgets.inputs import private_input, public_input, public_inputs
from zkopt.native.merkle import MerklePath
from zkopt.native.notes import OPEN_CHANGE, OPEN_OPTION, CashNote, OptionNote, open_notes
from zkopt.r1cs import ConstraintSystem

#: Fewest grid prices a margin check may use (DESIGN.md: "at least 8 settlement prices").
MIN_GRID = 8

#: Default parameters: the production tree depth and the smallest grid.
DEFAULT_DEPTH = notes.DEFAULT_DEPTH
DEFAULT_GRID = MIN_GRID


#: Public inputs before the grid, in order (the ledger reads them by name).
PUBLIC = ("root", "nf_in", "cm_option", "cm_change", "asset", "expiry")


def public_names(grid: int = DEFAULT_GRID) -> tuple[str, ...]:
    """Every public input, in order: ``PUBLIC`` then ``grid[0]`` .. ``grid[G-1]``."""
    return (*PUBLIC, *(f"grid[{i}]" for i in range(grid)))


class OpenPosition(notes.TreeCircuit):
    """Enforces a member cash note split into a position and change, collateral >= its loss at each grid price; assumes nothing.

    Public: root, nf_in, cm_option, cm_change, asset, expiry (64),
    grid[0..G-1] (64 bits each). Private: amount_in (64), sk, rho_in,
    directions[depth], siblings[depth], kind[L] (1), side[L] (1), strike[L]
    (64), quantity[L] (64), collateral (64), holder_pk, with L =
    MAX_LEGS = 4 leg slots. No output randomness is private: both new notes
    take their rho from the spent nullifier.

    With pk = Poseidon(sk): the note cash_commitment(amount_in, pk, rho_in)
    is in the tree of ``root`` (``merkle/*``); nf_in = Poseidon(NULLIFIER_TAG,
    sk, cm_in) (``nf_in/*``); the outputs' rhos are output_rho(nf_in, 0, sk)
    and output_rho(nf_in, 1, sk) (``rho_option/*``, ``rho_change/*``);
    cm_option commits to the position with writer_pk = pk and the PUBLIC
    asset and expiry variables inside the hash, so the note's asset and expiry
    are the public ones by construction (``cm_option/*``; the ledger refuses
    an expiry that is not after its clock); cm_change = cash_commitment(amount_in -
    collateral, pk, rho_change) with the change 64-bit (``change/range/*``, so
    collateral <= amount_in); and for every grid price g_j, net(g_j) <=
    collateral * SCALE + SCALE - 1 (``margin/point_j/*``), where net is the
    exact sum of the legs' signed quantity * intrinsic, which is
    max(floor(net / SCALE), 0) <= collateral. See circuits/open/SPEC.md for
    the equivalence, the widths and what the grid must contain.
    """

    name = "open"
    #: The notes it creates (public commitments, in output-index order) and the private inputs that are their
    #: chosen terms; every other private input is pinned by the spent note (circuits/README.md, "No free randomness").
    new_notes = ("cm_option", "cm_change")
    note_terms = ("kind", "side", "strike", "quantity", "collateral", "holder_pk")
    statement = (
        "a cash note under `root` with nullifier `nf_in` is split into a position `cm_option` of up to 4 legs on "
        "`asset` expiring at `expiry` (collateral) and change `cm_change`, and the collateral covers the whole position's loss at every "
        "`grid` price"
    )

    def __init__(self, depth: int = DEFAULT_DEPTH, grid: int = DEFAULT_GRID):
        super().__init__(depth)
        if isinstance(grid, bool) or not isinstance(grid, int) or grid < MIN_GRID:
            raise ValueError(f"open needs grid >= {MIN_GRID} prices, got {grid!r}")
        self.grid = grid

    def params(self) -> dict[str, int]:
        return {**super().params(), "grid": self.grid}

    def define(self, cs: ConstraintSystem) -> None:
        bits = notes.AMOUNT_BITS
        public = public_inputs(cs, PUBLIC, bits={"expiry": bits})
        root, nf_in, cm_option, cm_change, asset, expiry = (public[n] for n in PUBLIC)
        grid = public_input(cs, "grid", bits=bits, length=self.grid)

        amount_in = private_input(cs, "amount_in", bits=bits)
        sk = cs.private_input("sk")
        rho_in = cs.private_input("rho_in")
        directions = cs.private_input("directions", self.depth)
        siblings = cs.private_input("siblings", self.depth)
        legs = notes.leg_inputs(cs)
        collateral = private_input(cs, "collateral", bits=bits)
        holder_pk = cs.private_input("holder_pk")

        # change = amount_in - collateral is 64-bit: with both 64-bit, a collateral above
        # amount_in would make it wrap to at least r - 2^64, which fails this check.
        change = amount_in - collateral
        with cs.namespace("change"):
            enforce_range(cs, change, bits, "range")

        pk = notes.spend_cash(cs, amount_in, sk, rho_in, directions, siblings, root, nf_in)
        rho_option = notes.output_rho(cs, nf_in, OPEN_OPTION, sk, "rho_option")
        rho_change = notes.output_rho(cs, nf_in, OPEN_CHANGE, sk, "rho_change")
        with cs.namespace("cm_option"):
            packed = [leg.packed for leg in legs]
            option = notes.option_commitment(cs, asset, expiry, collateral, holder_pk, pk, rho_option, packed, "hash")
            cs.enforce_equal(option, cm_option, "equal")
        with cs.namespace("cm_change"):
            cs.enforce_equal(notes.cash_commitment(cs, change, pk, rho_change, "hash"), cm_change, "equal")

        # Margin: max(floor(net / SCALE), 0) <= C  <=>  net <= C * SCALE + SCALE - 1 (SPEC.md), so no
        # division. net = Short - Long with Short, Long < 2^130 (NET_BITS); the bound is < 2^84, so
        # bound - net is below 2^131 exactly when net <= bound, and a larger net wraps it to at
        # least r - 2^130, far above 2^131.
        bound = collateral * notes.SCALE + (notes.SCALE - 1)
        with cs.namespace("margin"):
            for j, price in enumerate(grid):
                with cs.namespace(f"point_{j}"):
                    net = notes.position_value(cs, legs, price, "value")
                    enforce_range(cs, bound - net, notes.MARGIN_SLACK_BITS, "slack")


def inputs(spent: CashNote, sk: int, path: MerklePath, option: OptionNote, grid: Sequence[int]) -> dict[str, object]:
    """The inputs of ``open`` (decimal strings; lists for the path, the legs and the grid).

    ``spent`` is the writer's cash note with its Merkle ``path``, ``sk`` its
    owner's spending key, ``option`` the new position as ``native.notes.open_notes``
    makes it (its rho is the one the spend derives). Raises ValueError when
    these do not fit together or the collateral exceeds the spent amount; an
    insufficient margin is left to the circuit, which names the grid point it fails.
    """
    if option.writer_pk != spent.owner_pk:
        raise ValueError("the option's writer_pk must be the spent note owner's key (the writer posts the collateral)")
    points = list(grid)
    if any(isinstance(g, bool) or not isinstance(g, int) for g in points):
        raise ValueError("grid prices must be ints (fixed point, SCALE units)")
    derived, change = open_notes(spent, sk, option.position, collateral=option.collateral, holder_pk=option.holder_pk)
    if derived != option:
        raise ValueError("the option's rho is not the one this spend derives (build it with native.notes.open_notes)")
    return {
        **notes.path_inputs(path, spent.commitment()),
        "nf_in": str(spent.nullifier(sk)),
        "cm_option": str(option.commitment()),
        "cm_change": str(change.commitment()),
        "asset": str(option.position.asset),
        "grid": [str(g) for g in points],
        "amount_in": str(spent.amount),
        "sk": str(sk),
        "rho_in": str(spent.rho),
        **notes.leg_values(option.position),
        "expiry": str(option.position.expiry),
        "collateral": str(option.collateral),
        "holder_pk": str(option.holder_pk),
    }
