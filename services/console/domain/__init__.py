"""The console's pure rules: what a page shows, computed from the replica's data and
the time passed in (no Kafka, no HTTP, no clock)."""
