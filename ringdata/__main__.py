"""`python -m ringdata ...`: the same command as `ringdata ...`, with the same error boundary."""

from ringdata.cli.start import main

main()
