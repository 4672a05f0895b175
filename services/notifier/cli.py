"""``vigil notify test``: send a sample alert to every configured channel, print each result.

The channels come from the same ``VIGIL_NOTIFIER_*`` settings the notifier reads. The
sample is the seed story's Idlib alert marked as a test (its own fingerprint, a summary
starting with "TEST"); by default it is resolved right after, so PagerDuty and
Alertmanager are left clean (``--no-resolve`` keeps it open). Exit 0 when every channel
accepted both, 1 when one did not, 2 when no channel is configured.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

import aiohttp

from schemas.alerts import Transition
from services.notifier.channels import NO_CHANNEL, build_channels
from services.notifier.delivery import Channel
from services.notifier.domain.retry import Outcome
from services.notifier.samples import sample_alert
from services.notifier.settings import NotifierSettings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "notify",
        help="try the notifier's channels",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    test = actions.add_parser("test", help="send a sample alert to every configured channel")
    test.add_argument(
        "--no-resolve", action="store_true", help="do not resolve the sample alert afterwards"
    )
    test.set_defaults(func=run_test)


async def _try(channel: Channel, resolve: bool) -> bool:
    fired = sample_alert(test=True)
    steps = [("fired", fired)]
    if resolve:
        resolved = sample_alert(
            test=True, seq=2, transition=Transition.RESOLVED, previous_level="critical"
        )
        steps.append(("resolved", resolved))
    ok = True
    for what, alert in steps:
        if channel.min_interval:
            await asyncio.sleep(channel.min_interval)
        attempt = await channel.send(alert, None)
        good = attempt.outcome in (Outcome.DELIVERED, Outcome.SKIPPED)
        ok = ok and good
        status = "-" if attempt.status is None else str(attempt.status)
        detail = " ".join(attempt.detail.split())[:200]
        print(
            f"{channel.name:<14} {what:<9} {'ok' if good else 'FAILED':<7} "
            f"{attempt.outcome.value:<10} HTTP {status:<4} {detail}",
            flush=True,
        )
    return ok


async def _test(settings: NotifierSettings, resolve: bool) -> int:
    async with aiohttp.ClientSession() as session:
        channels = build_channels(settings, session, stream=sys.stdout)
        if not channels:
            print(f"vigil notify test: {NO_CHANNEL}", file=sys.stderr)
            return 2
        results = [await _try(channel, resolve) for channel in channels]
    good = sum(results)
    print(f"{good} of {len(results)} channel(s) accepted the test alert")
    return 0 if all(results) else 1


def run_test(args: argparse.Namespace) -> int:
    return asyncio.run(_test(NotifierSettings(), not args.no_resolve))
