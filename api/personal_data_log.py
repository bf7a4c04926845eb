"""Who read which person's personal data through the API, and when — never the data itself.

``log_personal_data_reads`` is called by every endpoint that returns personal
data, once per request, with the ids of the persons whose data it returned:
one multi-row insert per request. The log holds the actor id, the API key's
public prefix (or the account), the method and path (never the query string,
which may carry searched names) and the request id.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import connections, models, router
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccessKind(models.TextChoices):
    READ = "read", _("Read")
    EXPORT = "export", _("Export")


class PersonalDataAccess(models.Model):
    """One read of one person's personal data through the API."""

    at = models.DateTimeField(_("at"), db_index=True, help_text=_("When it was read (UTC)."))
    actor_id = models.BigIntegerField(
        _("actor id"),
        db_index=True,
        # Not a foreign key: the log outlives the person and says nothing about them.
        help_text=_("Id of the person whose personal data was read."),
    )
    kind = models.CharField(
        _("kind"),
        max_length=8,
        choices=AccessKind.choices,
        default=AccessKind.READ,
        help_text=_("A read of the data, or a full export (right of access)."),
    )
    api_key = models.CharField(
        _("API key"),
        max_length=32,
        blank=True,
        default="",
        help_text=_("Public prefix of the API key used, if any (never the secret)."),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        # The log outlives accounts: keep the read, forget the link.
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Account that read it (session), when no API key was used."),
    )
    method = models.CharField(_("method"), max_length=8, help_text=_("HTTP method."))
    path = models.CharField(
        _("path"), max_length=300, help_text=_("Request path, without the query string.")
    )
    request_id = models.CharField(
        _("request id"), max_length=64, blank=True, default="", help_text=_("Request that read it.")
    )

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        ordering = ["id"]
        indexes = [models.Index(fields=["actor_id", "at"], name="pd_access_actor_at_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.kind} actor {self.actor_id}"


def log_personal_data_reads(
    *, request, actor_ids: Iterable[int], kind: str = AccessKind.READ
) -> int:
    """Record that ``request`` returned the personal data of ``actor_ids``: one insert.

    ``request`` is the DRF request (or the Django one); ``actor_ids`` the persons
    whose personal data the response holds (duplicates and ``None`` are dropped).
    Returns how many rows were written.
    """
    ids = sorted({int(i) for i in actor_ids if i is not None})
    if not ids:
        return 0
    django_request = getattr(request, "_request", request)
    auth = getattr(request, "auth", None)
    user = getattr(request, "user", None)
    user_id = getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None
    now = timezone.now()
    common = {
        "at": now,
        "kind": kind,
        "api_key": str(getattr(auth, "prefix", "") or "")[:32],
        "user_id": user_id if isinstance(user_id, int) else None,
        "method": (getattr(request, "method", "") or "")[:8],
        "path": (getattr(django_request, "path", "") or "")[:300],
        "request_id": (getattr(django_request, "request_id", "") or "")[:64],
    }
    connection = connections[router.db_for_write(PersonalDataAccess)]
    if connection.vendor == "postgresql":
        _insert_unnested(connection, common, ids)
    else:
        PersonalDataAccess.objects.bulk_create(
            [PersonalDataAccess(actor_id=i, **common) for i in ids], batch_size=1000
        )
    return len(ids)


def _insert_unnested(connection, common: dict, ids: list[int]) -> None:
    """The rows ``bulk_create`` writes, in the same order, as one ``INSERT ... SELECT``
    over an array of the ids: the shared values are sent once, not once per row, and
    no model instance is built per id (a page of 100 persons: a few milliseconds less)."""
    meta = PersonalDataAccess._meta
    quote = connection.ops.quote_name
    fields = [meta.get_field(name) for name in common]  # "user_id": the user field
    columns = ", ".join(quote(f.column) for f in [*fields, meta.get_field("actor_id")])
    shared = ", ".join(["%s"] * len(fields))
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) "
        f"SELECT {shared}, u.actor_id FROM unnest(%s::bigint[]) WITH ORDINALITY "
        "AS u(actor_id, n) ORDER BY u.n"
    )
    values = [
        f.get_db_prep_save(v, connection) for f, v in zip(fields, common.values(), strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, ids])
