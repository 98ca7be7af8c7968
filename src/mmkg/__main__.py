"""``python -m mmkg`` is the ``mmkg`` command."""

from mmkg.cli import main

raise SystemExit(main())
