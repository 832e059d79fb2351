"""``python -m hypertoken.game.fields [--check] MODULE...``: write (or check) the Zig
declarations of the layouts each module declares.
"""

from hypertoken.game.fields.zig import main

if __name__ == "__main__":
    raise SystemExit(main())
