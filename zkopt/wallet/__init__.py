"""A trader's wallet: a spending key, an encryption key and the openings of its notes; the transactions it builds.

``core`` holds ``Wallet`` (the file, ``sync``, deposit, open, settle,
withdraw), ``notes`` its records, ``address`` the one-line address others pay
to, ``payments`` the transfers (``pay``, merging notes), ``premium`` the
writer's quote and the holder's conditioned premium, submitted in one bundle.
"""

from zkopt.wallet.core import Wallet, WalletError, margin_grid
from zkopt.wallet.notes import Built, Outcome, WalletNote, note_id

__all__ = ["Built", "Outcome", "Wallet", "WalletError", "WalletNote", "margin_grid", "note_id"]
