"""The aggregator's pure rules: rolling event-time windows, revisions, duplicates, several
sources, summaries, and the alert lifecycle. No Faust, Kafka or clock imports: every
function takes its time as an argument, so replaying the same input gives the same alerts.
"""
