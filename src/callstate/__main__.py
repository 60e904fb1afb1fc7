"""`python -m callstate` runs the CLI."""

from callstate.cli.main import main

main()
