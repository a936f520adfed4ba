"""`python -m mednec` runs the CLI."""

from mednec.cli import main

main()
