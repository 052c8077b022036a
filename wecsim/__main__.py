"""Allow ``python -m wecsim``; :func:`main` is also the ``wecsim`` command.

The command line is imported inside :func:`main`, so Ctrl-C pressed while its libraries
load (a second or two) ends the command quietly (exit 130) instead of with a traceback.
"""

import sys


def main() -> None:
    """Import and run the command line."""
    try:
        from wecsim.cli import main as cli_main
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    cli_main()


if __name__ == "__main__":
    main()
