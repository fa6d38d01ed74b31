"""``python -m lossgui`` runs the command-line entry point."""

from lossgui.cli import main

raise SystemExit(main())
