"""The change ledger: one append-only row per created, updated or deleted record."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ChangeAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Updated")
    DELETE = "delete", _("Deleted")
    #: An actor merged into another (``registry.services.merge``): the row of the merged
    #: actor, ``after = {"merged_into": <survivor id>}``, written last in the merge's
    #: transaction, after the row changes that carry the merge out.
    MERGE = "merge", _("Merged")


class ChangeRecord(models.Model):
    """One change to one registry record: who, when, what (before/after), which request.

    Written only by ``registry.tracking`` in the same transaction as the
    change. Creations carry the full record in ``after``, deletions in
    ``before`` (a tombstone), updates only the changed fields on both sides.
    """

    at = models.DateTimeField(
        _("at"), db_index=True, help_text=_("When the change was made (UTC).")
    )
    action = models.CharField(
        _("action"),
        max_length=8,
        choices=ChangeAction.choices,
        help_text=_("Create, update, delete, merge."),
    )
    model = models.CharField(
        _("model"), max_length=64, help_text=_("Which kind of record, e.g. 'registry.membership'.")
    )
    object_id = models.BigIntegerField(_("object id"), help_text=_("Id of the changed record."))
    object_repr = models.CharField(
        _("object"), max_length=200, blank=True, default="", help_text=_("Label of the record.")
    )
    territory_id = models.BigIntegerField(
        _("territory id"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_("Territory the record belongs to (scopes the change feed and caches)."),
    )
    also_territory_id = models.BigIntegerField(
        _("also territory id"),
        null=True,
        blank=True,
        help_text=_(
            "A second territory the change concerns: the one a moved record left, or the "
            "parent a territory link joins or leaves (refreshes its caches too)."
        ),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        # The ledger outlives accounts: keep the change, forget the link.
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Who made the change (through the admin, the API or a command)."),
    )
    api_key = models.CharField(
        _("API key"),
        max_length=32,
        blank=True,
        default="",
        help_text=_("Public prefix of the API key used, if any (never the secret)."),
    )
    request_id = models.CharField(
        _("request id"), max_length=64, blank=True, default="", help_text=_("Request that made it.")
    )
    via = models.CharField(
        _("via"),
        max_length=32,
        blank=True,
        default="",
        help_text=_("Channel: api, admin, import, command, demo..."),
    )
    reason = models.CharField(
        _("reason"), max_length=200, blank=True, default="", help_text=_("Why, when given.")
    )
    before = models.JSONField(
        _("before"), null=True, blank=True, help_text=_("Values before the change.")
    )
    after = models.JSONField(_("after"), null=True, blank=True, help_text=_("Values after."))
    commit_seq = models.BigIntegerField(
        _("commit sequence"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "Number of the transaction in commit order (PostgreSQL: stamped at commit by a "
            "deferred trigger; SQLite, whose writers are serial, keeps the id order)."
        ),
    )

    class Meta:
        verbose_name = _("change record")
        verbose_name_plural = _("change records")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["model", "object_id", "id"], name="change_object_idx"),
            models.Index(fields=["commit_seq", "id"], name="change_commit_order_idx"),
            # The last change filed under each territory, one index probe each: the
            # version that analysis caches are keyed by (graph.loaders.data_version).
            models.Index(fields=["territory_id", "commit_seq"], name="change_territory_seq_idx"),
            # The same probe for the territory a change left (few rows: moves and links).
            models.Index(
                fields=["also_territory_id", "commit_seq"],
                name="change_also_territory_seq_idx",
                condition=models.Q(also_territory_id__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.model} {self.object_id}"
