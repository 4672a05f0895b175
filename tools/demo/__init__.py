"""The embedded demo behind ``make run``: an in-memory Tansu broker, every Vigil service
as its own worker process, the sample feed published, alerts printed as they fire."""
