"""``vigil replay``: history through the classifier and aggregator, in event-time order.

A tool, not a deployed service: ``logic.py`` reads and merges the files (pure),
``runner.py`` runs the services on a broker and collects the alerts, ``cli.py`` is the
command line.
"""
