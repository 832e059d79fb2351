"""``python -m hypertoken.cli``: the same as the ``hypertoken`` command."""

from hypertoken.cli import main

main()
