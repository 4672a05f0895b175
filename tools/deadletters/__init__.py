"""Dead-letter tool: list rejected records and re-drive fixed ones.

Reads ``vigil.deadletters.v1`` (DeadLetter JSON, from the beginning, no consumer group);
writes re-driven records to each dead letter's source topic (usually
``vigil.reports.v1`` or ``vigil.reports.raw-text.v1``) or to ``--to-topic``. ``logic`` holds
the pure rules (decoding, selection, formatting, re-drive plans); ``cli`` is the command.
"""
