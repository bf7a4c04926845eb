"""Webhooks: the change feed pushed to integrators, signed per Standard Webhooks.

- ``models``: subscriptions (owned by an API key, with a cursor on the change ledger)
  and deliveries (one batch of changes each, with its attempts);
- ``vocabulary``: the resource types and actions a subscription may name;
- ``addresses``: which receivers are allowed (no loopback or private address);
- ``payloads``: the next batch of a subscription, built by the change feed's own code
  (same changes, same scope, same personal data rule) and signed;
- ``sending``: one HTTP attempt, to the checked address, no redirect followed;
- ``dispatch``: claim a batch, send it, record the outcome (at least once, in order,
  retried with backoff, disabled after too many failures). ``manage.py
  deliver_webhooks`` runs it.
"""
