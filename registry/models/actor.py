"""Actors of a territory: persons and organizations (Popolo Person / Organization)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registry.models.base import RegistryModel
from registry.validators import validate_links


class ActorKind(models.TextChoices):
    PERSON = "person", _("Person")
    ORGANIZATION = "organization", _("Organization")


class ActorCategory(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    ELECTED_OFFICIAL = "elected_official", _("Elected official")
    MUNICIPAL_AGENT = "municipal_agent", _("Municipal agent")
    ASSOCIATION = "association", _("Association")
    COLLECTIVITY = "collectivity", _("Local authority")
    PUBLIC_SERVICE = "public_service", _("Public service")
    COMPANY = "company", _("Company")
    SOCIAL_LANDLORD = "social_landlord", _("Social landlord")
    SCHOOL = "school", _("School")
    COLLECTIVE = "collective", _("Informal collective")
    OTHER = "other", _("Other")


#: Categories that only make sense for one kind of actor.
PERSON_CATEGORIES = {"resident", "elected_official", "municipal_agent"}
ORGANIZATION_CATEGORIES = {
    "association",
    "collectivity",
    "public_service",
    "company",
    "social_landlord",
    "school",
    "collective",
}


class IdentifierScheme(models.TextChoices):
    SIREN = "siren", _("SIREN (companies, public bodies)")
    SIRET = "siret", _("SIRET (establishment)")
    RNA = "rna", _("RNA (associations register)")
    RNE = "rne", _("RNE (national register of elected officials)")
    INSEE = "insee", _("INSEE code (collectivities)")
    EXTERNAL = "external", _("Client system's own identifier")
    OTHER = "other", _("Other")


def _score_field(name: str, help_text: str) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        name,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(5)],
        help_text=help_text,
    )


class Actor(RegistryModel):
    """A person or an organization that takes part in the life of a territory.

    Personal data of persons (contact details, gender, birth year) lives in
    ``PersonalData`` so it can be permissioned and erased apart from the
    aggregate structure (memberships, interactions).
    """

    kind = models.CharField(
        _("kind"), max_length=20, choices=ActorKind.choices, help_text=_("Person or organization.")
    )
    category = models.CharField(
        _("category"),
        max_length=32,
        choices=ActorCategory.choices,
        help_text=_("Role in the territory: resident, elected official, association..."),
    )
    name = models.CharField(
        _("name"),
        max_length=300,
        help_text=_("Display name: full name of a person, name of an organization."),
    )
    given_name = models.CharField(
        _("given name"), max_length=150, blank=True, default="", help_text=_("Of a person.")
    )
    family_name = models.CharField(
        _("family name"), max_length=150, blank=True, default="", help_text=_("Of a person.")
    )
    territory = models.ForeignKey(
        "registry.Territory",
        # Territories are ended, not deleted, while actors refer to them.
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actors",
        help_text=_("Home territory of a person, action territory of an organization."),
    )
    description = models.TextField(
        _("description"), blank=True, default="", help_text=_("Free description.")
    )
    founding_date = models.DateField(
        _("founding date"), null=True, blank=True, help_text=_("Of an organization.")
    )
    dissolution_date = models.DateField(
        _("dissolution date"), null=True, blank=True, help_text=_("Of an organization.")
    )
    links = models.JSONField(
        _("links"),
        default=list,
        blank=True,
        validators=[validate_links],
        help_text=_('Web pages about the actor: a list of {"url": ..., "note": ...} objects.'),
    )
    power = _score_field(_("power"), _("Declared power over the territory's decisions, 0 to 5."))
    interest = _score_field(_("interest"), _("Declared interest in participation, 0 to 5."))
    legitimacy = _score_field(_("legitimacy"), _("Declared legitimacy of its claims, 0 to 5."))
    urgency = _score_field(_("urgency"), _("Declared urgency of its claims, 0 to 5."))
    is_pseudonymised = models.BooleanField(
        _("pseudonymised"),
        default=False,
        help_text=_(
            "True once the person was erased: the name is a pseudonym, personal data gone."
        ),
    )

    class Meta:
        verbose_name = _("actor")
        verbose_name_plural = _("actors")
        ordering = ["name", "id"]
        constraints = [
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{f}__isnull": True}) | Q(**{f"{f}__gte": 0, f"{f}__lte": 5}),
                    name=f"actor_{f}_range",
                    violation_error_message=_("Scores go from 0 to 5."),
                )
                for f in ("power", "interest", "legitimacy", "urgency")
            ],
            models.CheckConstraint(
                condition=Q(dissolution_date__isnull=True)
                | Q(founding_date__isnull=True)
                | Q(dissolution_date__gte=models.F("founding_date")),
                name="actor_dissolution_after_founding",
                violation_error_message=_("The dissolution date cannot come before the founding."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["person", "organization"]),
                name="actor_kind_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "category"], name="actor_kind_category_idx"),
            models.Index(fields=["updated_at", "id"], name="actor_updated_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.kind == ActorKind.PERSON and self.category in ORGANIZATION_CATEGORIES:
            raise ValidationError(
                {"category": _("A person cannot have an organization's category.")}
            )
        if self.kind == ActorKind.ORGANIZATION and self.category in PERSON_CATEGORIES:
            raise ValidationError(
                {"category": _("An organization cannot have a person's category.")}
            )
        errors = self.check_order(
            "founding_date",
            "dissolution_date",
            _("The dissolution date cannot come before the founding."),
        )
        if errors:
            raise ValidationError(errors)


class ActorIdentifier(RegistryModel):
    """An identifier of an actor in a scheme (SIREN, RNA, RNE, the client system's id)."""

    #: Path to the territory its changes are filed under (see registry.tracking).
    tracking_territory_path = "actor__territory_id"

    actor = models.ForeignKey(
        Actor,
        # An identifier means nothing without its actor.
        on_delete=models.CASCADE,
        related_name="identifiers",
        help_text=_("The identified actor."),
    )
    scheme = models.CharField(
        _("scheme"),
        max_length=32,
        choices=IdentifierScheme.choices,
        help_text=_("Identifier scheme."),
    )
    value = models.CharField(_("value"), max_length=100, help_text=_("Identifier in the scheme."))
    issuer = models.CharField(
        _("issuer"),
        max_length=100,
        blank=True,
        default="",
        help_text=_("For 'external' and 'other' schemes: which system issued it."),
    )

    class Meta:
        verbose_name = _("actor identifier")
        verbose_name_plural = _("actor identifiers")
        ordering = ["scheme", "value"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "issuer", "value"], name="actor_identifier_natural_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scheme}:{self.value}"


class ActorOtherName(RegistryModel):
    """Another name of an actor: former name, acronym, name in another language."""

    #: Path to the territory its changes are filed under (see registry.tracking).
    tracking_territory_path = "actor__territory_id"

    actor = models.ForeignKey(
        Actor,
        # A name means nothing without its actor.
        on_delete=models.CASCADE,
        related_name="other_names",
        help_text=_("The actor so named."),
    )
    name = models.CharField(_("name"), max_length=300, help_text=_("The other name."))
    note = models.CharField(
        _("note"), max_length=200, blank=True, default="", help_text=_("E.g. acronym, former name.")
    )
    start_date = models.DateField(
        _("start date"), null=True, blank=True, help_text=_("First day the name was used.")
    )
    end_date = models.DateField(
        _("end date"), null=True, blank=True, help_text=_("Last day the name was used.")
    )

    class Meta:
        verbose_name = _("other name")
        verbose_name_plural = _("other names")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="actor_other_name_dates",
                violation_error_message=_("The end date cannot come before the start date."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNDISCLOSED = "undisclosed", _("Undisclosed")


class LawfulBasis(models.TextChoices):
    """GDPR article 6 lawful bases."""

    CONSENT = "consent", _("Consent")
    CONTRACT = "contract", _("Contract")
    LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation")
    VITAL_INTERESTS = "vital_interests", _("Vital interests")
    PUBLIC_TASK = "public_task", _("Public task")
    LEGITIMATE_INTERESTS = "legitimate_interests", _("Legitimate interests")


class PersonalData(RegistryModel):
    """Personal data of a person, kept apart so it can be permissioned and erased.

    Only readers with the ``personal_data`` permission see it; erasure deletes
    this row and pseudonymises the actor, keeping memberships and interactions
    as anonymous structure.
    """

    #: Path to the territory its changes are filed under (see registry.tracking).
    tracking_territory_path = "actor__territory_id"

    actor = models.OneToOneField(
        Actor,
        # Personal data belongs to its person and goes with it.
        on_delete=models.CASCADE,
        related_name="personal_data",
        help_text=_("The person."),
    )
    email = models.EmailField(_("email"), blank=True, default="", help_text=_("Contact email."))
    phone = models.CharField(
        _("phone"), max_length=32, blank=True, default="", help_text=_("Contact phone number.")
    )
    postal_address = models.TextField(
        _("postal address"), blank=True, default="", help_text=_("Contact postal address.")
    )
    gender = models.CharField(
        _("gender"),
        max_length=16,
        choices=Gender.choices,
        blank=True,
        default="",
        help_text=_("Declared gender, used for parity indicators."),
    )
    birth_year = models.PositiveSmallIntegerField(
        _("birth year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
        help_text=_("Year of birth (never a full birth date), used for age indicators."),
    )
    lawful_basis = models.CharField(
        _("lawful basis"),
        max_length=32,
        choices=LawfulBasis.choices,
        help_text=_("GDPR lawful basis for holding these data."),
    )
    retention_until = models.DateField(
        _("retention until"),
        help_text=_("Date after which these data must be erased."),
    )

    class Meta:
        verbose_name = _("personal data")
        verbose_name_plural = _("personal data")
        constraints = [
            models.CheckConstraint(
                condition=Q(birth_year__isnull=True)
                | Q(birth_year__gte=1900, birth_year__lte=2100),
                name="personal_data_birth_year_range",
                violation_error_message=_("The birth year must be between 1900 and 2100."),
            ),
        ]

    def __str__(self) -> str:
        return f"Personal data of actor {self.actor_id}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.actor_id and self.actor.kind != ActorKind.PERSON:
            raise ValidationError({"actor": _("Only persons have personal data.")})
