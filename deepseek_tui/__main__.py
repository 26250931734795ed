"""`python -m deepseek_tui` runs the same front door as the console script."""

from deepseek_tui.cli import main

raise SystemExit(main())
