"""``python -m zkopt.cli``: the same command line as the ``zkopt`` script."""

from zkopt.cli import main

main()
