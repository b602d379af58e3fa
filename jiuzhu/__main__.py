"""``python -m jiuzhu``: the same as the ``jiuzhu`` command."""

from jiuzhu.cli import main

main()
