"""Pure notifier rules: channel payloads and wording, the delivery ledger, retry policy,
offset tracking.

No aiohttp, Kafka or clock imports: time and randomness are passed in.
"""
