"""Linking: reports of different feeds that share no incident_id but describe one incident.

``places`` reads place names as the linker compares them, ``subjects`` reduces an
incident to what is compared, ``scoring`` is the documented score of a pair (a policy
the oracle shares), ``linker`` keeps the blocking index, the best matches and the
groups incrementally, and ``groups`` turns links and analyst decisions into groups.
"""
