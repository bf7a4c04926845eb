"""Create an API key and print it once."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from api.models import ALL_SCOPES, ApiKey
from registry import params


class Command(BaseCommand):
    help = "Create an API key with scopes (and optionally a territory) and print it once."

    def add_arguments(self, parser):
        parser.add_argument("name", help="Who or what the key is for.")
        parser.add_argument(
            "--scopes",
            default="read",
            help=f"Comma-separated scopes among {', '.join(ALL_SCOPES)} (default: read).",
        )
        parser.add_argument("--territory", help="Limit to this territory: id or level:code.")
        parser.add_argument("--expires-in-days", help="Expiry, in days from now.")
        parser.add_argument("--contact", default="", help="Who to call about the key.")
        parser.add_argument(
            "--key-only", action="store_true", help="Print only the key (for scripts)."
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Revoke the other keys of the same name first (e.g. a demo key made anew).",
        )

    def handle(
        self, *args, name, scopes, territory, expires_in_days, contact, key_only, replace, **options
    ):
        scope_list = sorted({s.strip() for s in scopes.split(",") if s.strip()})
        unknown = sorted(set(scope_list) - set(ALL_SCOPES))
        if unknown:
            raise CommandError(
                f"Unknown scope(s): {', '.join(unknown)}. Choose among {', '.join(ALL_SCOPES)}."
            )
        territory_obj = None
        if territory is not None and territory.strip():
            territory_obj = params.territory_option("--territory", territory)
        expires_in_days = params.option("--expires-in-days", params.parse_int, expires_in_days)
        expiry = None
        if expires_in_days is not None:
            if expires_in_days <= 0:
                raise CommandError("--expires-in-days must be positive.")
            expiry = timezone.now() + dt.timedelta(days=expires_in_days)
        api_key = ApiKey(
            name=name[:50],
            scopes=scope_list,
            territory=territory_obj,
            expiry_date=expiry,
            contact=contact,
        )
        try:
            api_key.full_clean(exclude=["id", "prefix", "hashed_key"])
        except ValidationError as exc:
            raise CommandError(str(exc)) from exc
        with transaction.atomic():
            if replace:
                for old in ApiKey.objects.filter(name=name[:50], revoked=False):
                    old.revoked = True
                    old.save(update_fields=["revoked"])
            key = ApiKey.objects.assign_key(api_key)
            api_key.save()
        if key_only:
            self.stdout.write(key)
            return
        self.stdout.write(
            f"API key {api_key.prefix} for {name!r}, scopes {', '.join(scope_list)}"
            + (f", limited to {territory_obj}" if territory_obj else "")
            + (f", expires {expiry:%Y-%m-%d}" if expiry else "")
            + "."
        )
        self.stdout.write("Store it now, it will not be shown again:")
        self.stdout.write(key)
