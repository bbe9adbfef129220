"""``python -m zkopt.cli``: the same command line as the ``zkopt`` script."""

from zkopt.cli import main

# The guard matters: a spawned process (the proving pool) imports this module again as __mp_main__.
if __name__ == "__main__":
    main()
