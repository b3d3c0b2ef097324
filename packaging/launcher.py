"""The bundle's entry point: the same ``main`` as the ``quantdesk`` console script."""

from quantdesk.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
