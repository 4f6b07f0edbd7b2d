"""The `callcenter` command line (cli/main.py)."""

from callcenter.cli.main import main

__all__ = ["main"]
