"""``vigil alerts``, ``vigil tail``, ``vigil status``: the state of a running Vigil in a terminal
(read from the broker; the console service is ``services.console``)."""
