"""``vigil link`` / ``vigil unlink`` / ``vigil links export``: analysts' decisions that two
incidents are one or two. Decisions go through the ingest API (``POST /v1/links``) to the
compacted ``vigil.links.v1`` topic the aggregator reads; ``export`` reads that topic back
as JSON lines for ``vigil replay --links``."""
