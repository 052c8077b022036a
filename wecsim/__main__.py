"""Allow ``python -m wecsim``."""

from wecsim.cli import main

main()
