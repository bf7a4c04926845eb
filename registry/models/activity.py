"""What a body does: meetings (with attendance) and opinions (avis)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registry.models.base import RegistryModel


class MeetingKind(models.TextChoices):
    PLENARY = "plenary", _("Plenary session")
    BUREAU = "bureau", _("Bureau")
    WORKING_GROUP = "working_group", _("Working group")
    PUBLIC = "public", _("Public meeting")
    OTHER = "other", _("Other")


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    EXCUSED = "excused", _("Excused")
    ABSENT = "absent", _("Absent")


class Referral(models.TextChoices):
    REFERRED = "referred", _("Referred by the authority")
    SELF = "self", _("Self-referral")
    MANDATORY = "mandatory", _("Mandatory referral")


class ResponseOutcome(models.TextChoices):
    ADOPTED = "adopted", _("Adopted")
    PARTIALLY_ADOPTED = "partially_adopted", _("Partially adopted")
    REJECTED = "rejected", _("Rejected")
    NOTED = "noted", _("Noted")
    NO_RESPONSE = "no_response", _("No response")


class Meeting(RegistryModel):
    """A meeting of a body (Popolo Event)."""

    #: Path to the territory its changes are filed under (see registry.tracking).
    tracking_territory_path = "body__territory_id"

    body = models.ForeignKey(
        "registry.Body",
        # A meeting is part of its body's record.
        on_delete=models.CASCADE,
        related_name="meetings",
        help_text=_("The body that met."),
    )
    date = models.DateField(_("date"), help_text=_("Day of the meeting."))
    kind = models.CharField(
        _("kind"),
        max_length=16,
        choices=MeetingKind.choices,
        default=MeetingKind.PLENARY,
        help_text=_("Kind of meeting."),
    )
    title = models.CharField(
        _("title"), max_length=300, blank=True, default="", help_text=_("Title or agenda.")
    )
    notes = models.TextField(_("notes"), blank=True, default="", help_text=_("Minutes or notes."))

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["body_id", "date", "id"]
        indexes = [models.Index(fields=["body", "date"], name="meeting_body_date_idx")]

    def __str__(self) -> str:
        return f"{self.body} — {self.date.isoformat()}"


class Attendance(RegistryModel):
    """Whether an actor attended a meeting."""

    #: Path to the territory its changes are filed under (see registry.tracking).
    tracking_territory_path = "meeting__body__territory_id"

    meeting = models.ForeignKey(
        Meeting,
        # Attendance is part of its meeting.
        on_delete=models.CASCADE,
        related_name="attendances",
        help_text=_("The meeting."),
    )
    actor = models.ForeignKey(
        "registry.Actor",
        # Persons are pseudonymised, not deleted, under their attendance.
        on_delete=models.PROTECT,
        related_name="attendances",
        help_text=_("The member or guest."),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=AttendanceStatus.choices,
        help_text=_("Present, excused or absent."),
    )

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        ordering = ["meeting_id", "actor_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "actor"], name="attendance_once_per_meeting"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.actor_id} {self.status} at meeting {self.meeting_id}"


class Opinion(RegistryModel):
    """An opinion (avis) issued by a body, and the authority's response."""

    #: Path to the territory its changes are filed under (see registry.tracking).
    tracking_territory_path = "body__territory_id"

    body = models.ForeignKey(
        "registry.Body",
        # An opinion is part of its body's record.
        on_delete=models.CASCADE,
        related_name="opinions",
        help_text=_("The body that issued the opinion."),
    )
    date = models.DateField(_("date"), help_text=_("Day the opinion was issued."))
    title = models.CharField(_("title"), max_length=300, help_text=_("Subject of the opinion."))
    summary = models.TextField(_("summary"), blank=True, default="", help_text=_("Summary."))
    referral = models.CharField(
        _("referral"),
        max_length=16,
        choices=Referral.choices,
        help_text=_("Who asked for it: the authority, the body itself, or the law."),
    )
    response_date = models.DateField(
        _("response date"),
        null=True,
        blank=True,
        help_text=_("Day the authority responded; empty while unanswered."),
    )
    response_outcome = models.CharField(
        _("response outcome"),
        max_length=20,
        choices=ResponseOutcome.choices,
        blank=True,
        default="",
        help_text=_("What the authority made of it."),
    )
    response_note = models.TextField(
        _("response note"), blank=True, default="", help_text=_("The authority's response.")
    )

    class Meta:
        verbose_name = _("opinion")
        verbose_name_plural = _("opinions")
        ordering = ["body_id", "date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(response_date__isnull=True) | Q(response_date__gte=models.F("date")),
                name="opinion_response_after_issue",
                violation_error_message=_("The response cannot come before the opinion."),
            ),
            models.CheckConstraint(
                condition=Q(response_date__isnull=True)
                | ~Q(response_outcome__in=["", "no_response"]),
                name="opinion_response_has_outcome",
                violation_error_message=_("A response date needs an outcome."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors = self.check_order(
            "date", "response_date", _("The response cannot come before the opinion.")
        )
        if self.response_date is not None and self.response_outcome in ("", "no_response"):
            errors.setdefault("response_outcome", []).append(_("A response date needs an outcome."))
        if errors:
            raise ValidationError(errors)
