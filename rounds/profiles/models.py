"""Professional profiles, their vocabularies, organizations and affiliations."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from rounds.core.models import BaseModel


class Role(models.TextChoices):
    PHYSICIAN = "physician", "Physician"
    RESIDENT = "resident", "Resident"
    FELLOW = "fellow", "Fellow"
    MEDICAL_STUDENT = "medical_student", "Medical student"
    NURSE = "nurse", "Nurse"
    NURSE_PRACTITIONER = "nurse_practitioner", "Nurse practitioner"
    PHYSICIAN_ASSISTANT = "physician_assistant", "Physician assistant"
    PHARMACIST = "pharmacist", "Pharmacist"
    ALLIED_HEALTH = "allied_health", "Allied health professional"
    RESEARCHER = "researcher", "Researcher"
    ADMINISTRATOR = "administrator", "Administrator"
    PATIENT_ADVOCATE = "patient_advocate", "Patient advocate"
    OTHER = "other", "Other"


#: Roles that are not clinicians; the product labels them clearly everywhere.
NON_CLINICAL_ROLES = frozenset({Role.PATIENT_ADVOCATE, Role.ADMINISTRATOR, Role.OTHER})


class CareerStage(models.TextChoices):
    STUDENT = "student", "Student"
    TRAINEE = "trainee", "In training (residency or fellowship)"
    EARLY = "early", "Early career (0–10 years)"
    MID = "mid", "Mid career (10–20 years)"
    SENIOR = "senior", "Senior (20+ years)"
    RETIRED = "retired", "Retired"
    NOT_APPLICABLE = "na", "Not applicable"


class Visibility(models.TextChoices):
    """Who may see a field. Field visibility can never exceed the profile's own visibility."""

    NOBODY = "nobody", "Only me"
    CONNECTIONS = "connections", "My connections"
    MEMBERS = "members", "All members"
    PUBLIC = "public", "Anyone, including visitors"


class ProfileVisibility(models.TextChoices):
    MEMBERS = "members", "Signed-in members only"
    PUBLIC = "public", "Public (anyone with the link)"


class Specialty(models.Model):
    """A curated specialty or subspecialty (loaded as data from ``data/specialties.json``)."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="subspecialties"
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "specialties"

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    """A goal or interest. Curated entries come as data; members may add their own."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=80)
    curated = models.BooleanField(default=False)

    class Meta:
        abstract = True
        ordering = ["-curated", "name"]

    def __str__(self) -> str:
        return self.name


class Goal(Tag):
    class Meta(Tag.Meta):
        pass


class Interest(Tag):
    class Meta(Tag.Meta):
        pass


class Organization(BaseModel):
    class Kind(models.TextChoices):
        HOSPITAL = "hospital", "Hospital"
        CLINIC = "clinic", "Clinic"
        PRACTICE = "practice", "Practice"
        UNIVERSITY = "university", "University"
        MEDICAL_SCHOOL = "medical_school", "Medical school"
        SOCIETY = "society", "Professional society"
        COMPANY = "company", "Company"
        NONPROFIT = "nonprofit", "Non-profit"
        GOVERNMENT = "government", "Government"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=100, blank=True)
    website = models.URLField(blank=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(Lower("name"), name="org_name_lower_idx")]

    def __str__(self) -> str:
        return self.name


class Profile(BaseModel):
    """What a member shows to others. One per user; ``handle`` is the public URL key."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    handle = models.SlugField(max_length=40, unique=True)
    display_name = models.CharField(max_length=120)
    headline = models.CharField(max_length=160, blank=True)
    bio = models.TextField(blank=True)
    role = models.CharField(max_length=30, choices=Role.choices, default=Role.PHYSICIAN)
    career_stage = models.CharField(
        max_length=10, choices=CareerStage.choices, default=CareerStage.NOT_APPLICABLE
    )
    specialties = models.ManyToManyField(Specialty, blank=True, related_name="profiles")
    goals = models.ManyToManyField(Goal, blank=True, related_name="profiles")
    interests = models.ManyToManyField(Interest, blank=True, related_name="profiles")
    languages = models.JSONField(default=list, blank=True)

    city = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=100, blank=True)
    location_visibility = models.CharField(
        max_length=12, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    phone = models.CharField(max_length=32, blank=True)
    phone_visibility = models.CharField(
        max_length=12, choices=Visibility.choices, default=Visibility.NOBODY
    )
    email_visibility = models.CharField(
        max_length=12, choices=Visibility.choices, default=Visibility.NOBODY
    )
    visibility = models.CharField(
        max_length=10, choices=ProfileVisibility.choices, default=ProfileVisibility.MEMBERS
    )

    open_to_mentoring = models.BooleanField("Open to mentoring others", default=False)
    open_to_being_mentored = models.BooleanField("Open to being mentored", default=False)
    open_to_speaking = models.BooleanField("Open to speaking", default=False)
    open_to_collaboration = models.BooleanField("Open to collaboration", default=False)
    open_to_volunteering = models.BooleanField("Open to volunteering", default=False)

    avatar = models.ImageField(upload_to="avatars/", blank=True)

    npi = models.CharField("NPI", max_length=10, null=True, blank=True, unique=True)
    npi_verified_at = models.DateTimeField(null=True, blank=True)
    npi_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["display_name", "id"]
        indexes = [
            models.Index(fields=["display_name", "id"], name="profile_name_idx"),
            models.Index(fields=["role"], name="profile_role_idx"),
            models.Index(Lower("handle"), name="profile_handle_lower_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(npi_verified_at__isnull=True) | Q(npi__isnull=False),
                name="profile_npi_verified_requires_npi",
            ),
            models.CheckConstraint(
                condition=Q(email_visibility__in=["nobody", "connections", "members"]),
                name="profile_email_visibility_not_public",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} (@{self.handle})"

    @property
    def npi_on_file(self) -> bool:
        return bool(self.npi)

    @property
    def npi_verified(self) -> bool:
        return self.npi_verified_at is not None

    @property
    def is_clinician(self) -> bool:
        return self.role not in NON_CLINICAL_ROLES

    @property
    def open_to_labels(self) -> list[str]:
        labels = []
        for field in OPEN_TO_FIELDS:
            if getattr(self, field):
                labels.append(OPEN_TO_LABELS[field])
        return labels


OPEN_TO_LABELS = {
    "open_to_mentoring": "Mentoring others",
    "open_to_being_mentored": "Being mentored",
    "open_to_speaking": "Speaking",
    "open_to_collaboration": "Collaboration",
    "open_to_volunteering": "Volunteering",
}
OPEN_TO_FIELDS = tuple(OPEN_TO_LABELS)


class Affiliation(BaseModel):
    """A member's position at an organization. Current affiliations make operational colleagues."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="affiliations"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="affiliations"
    )
    department = models.CharField(max_length=120, blank=True)
    title = models.CharField(max_length=120, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    is_current = models.BooleanField(default=True)

    class Meta:
        ordering = ["-is_current", "-start_date", "-id"]
        indexes = [
            models.Index(fields=["organization", "is_current"], name="affiliation_org_current_idx"),
            models.Index(fields=["user", "is_current"], name="affiliation_user_current_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="affiliation_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(is_current=False) | Q(end_date__isnull=True),
                name="affiliation_current_has_no_end",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title or 'Member'} at {self.organization}"
