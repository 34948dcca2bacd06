"""`python -m ogi` is the `ogi` command."""

from ogi.cli import main

main()
