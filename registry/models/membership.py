"""Who sits in which body, in which college and role, and when."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registry.models.base import RegistryModel
from registry.models.body import SelectionMode
from registry.tracking import TrackedQuerySet


class Role(models.TextChoices):
    PRESIDENT = "president", _("President")
    VICE_PRESIDENT = "vice_president", _("Vice-president")
    SECRETARY = "secretary", _("Secretary")
    MEMBER = "member", _("Member")
    FACILITATOR = "facilitator", _("Facilitator")
    ELECTED_REFERENT = "elected_referent", _("Elected referent")
    TECHNICAL_REFERENT = "technical_referent", _("Technical referent")


class EndReason(models.TextChoices):
    TERM_ENDED = "term_ended", _("Term ended")
    RESIGNED = "resigned", _("Resigned")
    REMOVED = "removed", _("Removed")
    MOVED_AWAY = "moved_away", _("Moved away")
    DECEASED = "deceased", _("Deceased")
    BODY_DISSOLVED = "body_dissolved", _("Body dissolved")


class MembershipQuerySet(TrackedQuerySet):
    def current_on(self, day: dt.date) -> MembershipQuerySet:
        """Memberships current on ``day``: start <= day and (no end or end > day)."""
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gt=day), start_date__lte=day)

    def overlapping(
        self, *, actor_id: int, body_id: int, role: str, start: dt.date, end: dt.date | None
    ) -> MembershipQuerySet:
        """Memberships of the same actor, body and role whose period meets [start, end)."""
        qs = self.filter(actor_id=actor_id, body_id=body_id, role=role).filter(
            Q(end_date__isnull=True) | Q(end_date__gt=start)
        )
        if end is not None:
            qs = qs.filter(start_date__lt=end)
        return qs


class Membership(RegistryModel):
    """An actor's seat in a body (Popolo Membership).

    Current on date D when start <= D and (end is null or end > D): periods are
    half-open, so a member whose term ends on D and who is re-appointed from D
    holds two consecutive memberships that do not overlap. No two memberships
    of one actor in one body and role may overlap: an exclusion constraint on
    PostgreSQL, a trigger on SQLite, and a clear error from the services first.
    """

    #: Path to the territory its changes are filed under (see registry.tracking).
    tracking_territory_path = "body__territory_id"

    actor = models.ForeignKey(
        "registry.Actor",
        # Members are erased by pseudonymisation, never deleted under their seats.
        on_delete=models.PROTECT,
        related_name="memberships",
        help_text=_("The member."),
    )
    body = models.ForeignKey(
        "registry.Body",
        # A seat exists only within its body.
        on_delete=models.CASCADE,
        related_name="memberships",
        help_text=_("The body."),
    )
    college = models.ForeignKey(
        "registry.College",
        # Removing a college must not erase who sat in it: move them first.
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        help_text=_("The college of the seat, if the body has colleges."),
    )
    role = models.CharField(
        _("role"),
        max_length=32,
        choices=Role.choices,
        default=Role.MEMBER,
        help_text=_("Role in the body."),
    )
    selection_mode = models.CharField(
        _("selection mode"),
        max_length=16,
        choices=SelectionMode.choices,
        blank=True,
        default="",
        help_text=_("How this member was chosen (defaults to the college's mode)."),
    )
    on_behalf_of = models.ForeignKey(
        "registry.Actor",
        # The organization represented is history: refuse to delete it.
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="represented_by",
        help_text=_("The organization the member represents, if any."),
    )
    start_date = models.DateField(_("start date"), help_text=_("First day of the membership."))
    end_date = models.DateField(
        _("end date"),
        null=True,
        blank=True,
        help_text=_("First day the actor is no longer a member; empty while current."),
    )
    end_reason = models.CharField(
        _("end reason"),
        max_length=16,
        choices=EndReason.choices,
        blank=True,
        default="",
        help_text=_("Why the membership ended."),
    )
    external_id = models.CharField(
        _("external id"),
        max_length=100,
        blank=True,
        default="",
        help_text=_("Identifier of this membership in the syncing system."),
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["body_id", "start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="membership_end_after_start",
                violation_error_message=_("The end date cannot come before the start date."),
            ),
            models.CheckConstraint(
                condition=Q(end_reason="") | Q(end_date__isnull=False),
                name="membership_end_reason_needs_end",
                violation_error_message=_("An end reason needs an end date."),
            ),
            models.UniqueConstraint(
                fields=["body", "external_id"],
                condition=~Q(external_id=""),
                name="membership_external_id_per_body",
                violation_error_message=_("This external id is already used in this body."),
            ),
        ]
        indexes = [
            models.Index(fields=["actor", "body", "role"], name="membership_seat_idx"),
            models.Index(fields=["body", "end_date"], name="membership_body_end_idx"),
            models.Index(fields=["updated_at", "id"], name="membership_updated_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.actor} in {self.body} ({self.role})"

    def clean(self) -> None:
        errors = self.check_order(
            "start_date", "end_date", _("The end date cannot come before the start date.")
        )
        if self.end_reason and self.end_date is None:
            errors.setdefault("end_reason", []).append(_("An end reason needs an end date."))
        if errors:
            raise ValidationError(errors)

    def tracking_label(self) -> str:
        return f"actor {self.actor_id} in body {self.body_id} ({self.role})"

    def is_current(self, day: dt.date) -> bool:
        return self.start_date <= day and (self.end_date is None or self.end_date > day)
