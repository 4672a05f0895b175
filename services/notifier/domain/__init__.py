"""Pure notifier rules: channel payloads, deduplication, retry policy, offset tracking.

No aiohttp, Kafka or clock imports: time and randomness are passed in.
"""
