"""glassgrad's command line: ``glassgrad demo`` (and ``python -m glassgrad``)."""
