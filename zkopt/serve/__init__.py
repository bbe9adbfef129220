"""``zkopt ledger serve``: a ledger file served to many parties over HTTP, with a read-only explorer page.

``app`` holds the aiohttp application (``make_app``, ``serve``); the client
is ``zkopt.ledger.remote.RemoteLedger``; both speak ``zkopt.ledger.wire``.
Importing this package imports aiohttp: the CLI does it only for ``serve``.
"""
