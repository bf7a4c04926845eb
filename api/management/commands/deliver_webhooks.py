"""Deliver the webhooks: ``manage.py deliver_webhooks`` (a service), or ``--once`` (cron)."""

from __future__ import annotations

import logging
import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from api.webhooks.dispatch import deliver_round

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Push the change ledger to the webhook subscriptions, in commit order, until stopped "
        "(or one round with --once). Several may run side by side on PostgreSQL."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="One round, then exit.")
        parser.add_argument(
            "--interval",
            type=float,
            default=None,
            help="Seconds between rounds (default: WEBHOOKS_POLL_SECONDS).",
        )

    def handle(self, *args, once: bool, interval: float | None, **options):
        interval = settings.WEBHOOKS_POLL_SECONDS if interval is None else interval
        if interval <= 0:
            raise CommandError("--interval must be positive.")
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        if not once:
            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
        while True:
            close_old_connections()
            try:
                result = deliver_round()
            except Exception:
                if once:
                    raise
                # The database gone for a while: what was claimed is leased, and retried
                # by the next round once it is back.
                logger.exception("webhooks: the round failed; trying again")
            else:
                if result.delivered or result.failed:
                    self.stdout.write(
                        f"webhooks: {result.delivered} delivered, {result.failed} failed, "
                        f"{result.disabled} subscription(s) disabled"
                    )
            if once or stopping:
                return
            time.sleep(interval)
