"""The exit status after Ctrl-C, shared by the command line and its entry point (``glassgrad.command``)."""

#: The exit status after Ctrl-C: 128 + SIGINT, what a shell reports for a command it interrupted.
EXIT_INTERRUPTED = 130
