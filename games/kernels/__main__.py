"""``python -m games.kernels``: build (or ``--check``) the game kernel modules."""

from games.kernels import main

raise SystemExit(main())
