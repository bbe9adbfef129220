"""An option sold for a premium, where neither party can take without giving: quote, conditioned payment, bundle.

1. The writer quotes (``quote``): the option's opening, its commitment
   ``cm_option`` and the premium. The writer can name ``cm_option`` before
   proving, because the option's rho derives from the nullifier of the cash
   note the quote pins (``native.notes.open_notes``).
2. The holder checks the quote (``Quote.parse``: the commitment is the
   opening's, the holder is this wallet) and proves a transfer of the premium
   to the writer whose ``condition`` is ``cm_option`` (``pay_premium``): the
   ledger accepts it only in a bundle that creates that option.
3. The writer checks the payment (``open_with_payment``: a transfer
   conditioned on ``cm_option`` carrying a note of exactly the premium to the
   writer), proves the open of exactly the quoted option and submits both as
   one bundle.

The writer cannot take the premium without writing the option (the payment
alone, or with another open, is refused); the holder never holds the open, so
cannot take the option without paying.
"""

from __future__ import annotations

from dataclasses import dataclass

from zkopt.errors import LedgerRejected, MalformedInput
from zkopt.native.notes import CashNote, OptionNote, open_notes
from zkopt.units import format_amount, parse_field
from zkopt.wallet import address as addresses
from zkopt.wallet.address import Address
from zkopt.wallet.core import Wallet, WalletError
from zkopt.wallet.notes import Outcome

QUOTE_FORMAT = "zkopt-quote/v1"


@dataclass(frozen=True)
class Quote:
    """A writer's offer: ``option`` (its full opening) for ``premium``, paid to ``writer``; ``spends`` pins the note."""

    option: OptionNote
    premium: int
    writer: Address
    holder: Address
    spends: str
    ticker: str | None = None

    def to_json(self) -> dict:
        from zkopt.audit import export_opening

        return {
            "format": QUOTE_FORMAT,
            "option": export_opening(self.option),
            "cm_option": str(self.option.commitment()),
            "premium": str(self.premium),
            "writer": str(self.writer),
            "holder": str(self.holder),
            "spends": self.spends,
            **({"ticker": self.ticker} if self.ticker else {}),
        }

    @staticmethod
    def parse(obj: object) -> Quote:
        """A quote file's content, checked: its commitment is its opening's, the writer's address is the option's."""
        from zkopt.audit import parse_opening

        if not isinstance(obj, dict) or obj.get("format") != QUOTE_FORMAT:
            raise MalformedInput(f"not a zkopt quote (format {QUOTE_FORMAT})")
        option = parse_opening(obj.get("option"))
        if not isinstance(option, OptionNote):
            raise MalformedInput("the quote's note is not an option")
        if parse_field(obj.get("cm_option"), "cm_option") != option.commitment():
            raise MalformedInput("the quote's cm_option is not the commitment of its option")
        writer = addresses.parse(obj.get("writer"))
        holder = addresses.parse(obj.get("holder"))
        if (writer.pk, holder.pk) != (option.writer_pk, option.holder_pk):
            raise MalformedInput("the quote's addresses are not the option's writer and holder")
        premium = parse_field(obj.get("premium"), "premium")
        if not 0 < premium < 1 << 64:
            raise MalformedInput("the premium must be a positive 64-bit amount")
        spends = obj.get("spends")
        if not isinstance(spends, str):
            raise MalformedInput("the quote does not name the note it spends")
        ticker = obj.get("ticker")
        return Quote(option, premium, writer, holder, spends, ticker if isinstance(ticker, str) else None)


def quote(wallet: Wallet, ledger, keys, holder: Address, premium: int, *, status=None, **terms) -> Quote:
    """The writer's quote: the open ``wallet.open_position(**terms)`` would make, pinned to one cash note, unproved."""
    if not 0 < premium < 1 << 64:
        raise WalletError("the premium must be a positive amount")
    outcome = wallet.open_position(ledger, keys, holder_pk=holder.pk, submit=False, prove=False, status=status, **terms)
    return Quote(outcome.tx.share, premium, wallet.address, holder, outcome.tx.spends[0], terms.get("ticker"))


def pay_premium(wallet: Wallet, ledger, keys, offer: Quote, *, status=None) -> Outcome:
    """The holder's payment of the premium, conditioned on the quoted option; for the writer, never submitted alone."""
    from zkopt.wallet.payments import pay

    if offer.option.holder_pk != wallet.pk:
        raise WalletError("the quote's option is not written to this wallet")
    if offer.ticker:
        wallet.assets[offer.option.position.asset] = offer.ticker
    outcome = pay(wallet, ledger, keys, offer.writer, offer.premium, condition=offer.option.commitment(),
                  submit=False, status=status)
    wallet.import_opening(offer.to_json()["option"], offer.ticker)
    wallet.save()
    return outcome


def check_payment(wallet: Wallet, offer: Quote, payment) -> CashNote:
    """The premium note the payment (a ``Transaction``) carries to this wallet; WalletError unless it is the quote's."""
    from zkopt import note_encryption
    from zkopt.circuits.transfer import PUBLIC as names

    if payment.kind != "transfer":
        raise WalletError(f"the payment is a {payment.kind} transaction, not a transfer")
    if len(payment.public) != len(names):
        raise WalletError("the payment does not have a transfer's public inputs")
    values = dict(zip(names, payment.public))
    if values["condition"] != offer.option.commitment():
        raise WalletError("the payment is not conditioned on the quoted option")
    outputs = {values["cm_out_a"], values["cm_out_b"]}
    for sealed in payment.notes:
        note = note_encryption.decrypt(sealed, wallet.encryption_key)
        if isinstance(note, CashNote) and note.owner_pk == wallet.pk and note.commitment() in outputs:
            if note.amount != offer.premium:
                raise WalletError(
                    f"the payment pays {format_amount(note.amount)}, not the quoted premium {format_amount(offer.premium)}"
                )
            return note
    raise WalletError("the payment carries no note to this wallet")


def open_with_payment(wallet: Wallet, ledger, keys, offer: Quote, payment, *, status=None) -> tuple[list, Outcome]:
    """The writer's last step: check the payment, prove the quoted open, submit both as one bundle.

    Returns the bundle's receipts (the open's first) and the open's outcome.
    """
    if offer.option.writer_pk != wallet.pk:
        raise WalletError("the quote's option is not written by this wallet")
    check_payment(wallet, offer, payment)  # the premium note itself is found by sync, like any payment
    spent = wallet.find(offer.spends)
    option, _ = open_notes(spent.note, wallet.sk, offer.option.position, collateral=offer.option.collateral,
                           holder_pk=offer.option.holder_pk)
    if option != offer.option:
        raise WalletError("the quoted option is not the one this wallet's note opens now")
    outcome = wallet.open_position(
        ledger, keys, holder_pk=offer.option.holder_pk, position=option.position, collateral=option.collateral,
        ticker=offer.ticker, spend=spent, holder_key=offer.holder.encryption_key, submit=False, status=status,
    )
    try:
        receipts = ledger.submit_bundle([outcome.tx.transaction(), payment])
    except LedgerRejected:  # nothing was recorded: the open's new notes never will be
        made = [c.note for c in outcome.tx.creates]
        wallet.notes = [n for n in wallet.notes if n.status != "pending" or n.note not in made]
        wallet.save()
        raise
    wallet.sync(ledger)
    wallet.save()
    return receipts, outcome
