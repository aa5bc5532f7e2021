"""``python -m judge.cli`` runs the ``judge`` command."""

from judge.cli import main

raise SystemExit(main())
