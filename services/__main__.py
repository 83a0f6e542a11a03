"""``python -m services`` runs the ``pmf`` command line."""

from services.cli import main

main()
