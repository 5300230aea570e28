from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from rounds.core.models import BaseModel


class UserManager(BaseUserManager["User"]):
    """Users log in with their email address; there is no username."""

    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """An account. Everything a member shows to others lives on ``profiles.Profile``."""

    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField("email address", max_length=254, unique=True)
    #: True while an account deletion is scheduled (the 14-day grace period): the member can
    #: still sign in and cancel, but everyone else treats them as absent (no profile, no
    #: search, no recommendations). Kept in step with ``AccountDeletion`` by its services.
    deletion_scheduled = models.BooleanField(default=False)
    #: The IANA time zone pages show times in (events, messages, notifications); empty means
    #: UTC until the member picks one (account settings offer the browser's zone).
    time_zone = models.CharField(max_length=64, blank=True, default="")

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()  # type: ignore[misc,assignment]

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.email


class ApiToken(BaseModel):
    """A personal access token for the JSON API.

    Only a SHA-256 digest of the secret is stored; the secret is shown once at creation.
    ``prefix`` is the first characters of the secret, kept so a member can tell tokens apart.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class DataExport(BaseModel):
    """A member's request for a copy of their data, built in the background into a ZIP file.

    Lifecycle: pending → building → ready | failed; ready → expired (after 7 days, or when a
    newer export is ready). The file lives under ``settings.DATA_EXPORT_DIR`` (never under
    MEDIA_ROOT, never served directly) with a random name; only its owner downloads it, through
    ``rounds.accounts.data_rights.views.export_download``. One pending or building export per
    member (a database constraint).
    """

    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be built"
        BUILDING = "building", "Being built"
        READY = "ready", "Ready to download"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="data_exports")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    #: The archive's file name inside DATA_EXPORT_DIR (random; empty until built).
    file_name = models.CharField(max_length=80, blank=True)
    size_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="dataexport_user_idx"),
            models.Index(fields=["state", "expires_at"], name="dataexport_state_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(state__in=["pending", "building"]),
                name="dataexport_one_active_per_user",
            ),
            models.CheckConstraint(
                condition=~Q(state="ready") | (Q(expires_at__isnull=False) & ~Q(file_name="")),
                name="dataexport_ready_has_file",
            ),
        ]

    def __str__(self) -> str:
        return f"export {self.pk} of {self.user_id} ({self.state})"

    @property
    def is_active(self) -> bool:
        """Still being worked on (pending or building)."""
        return self.state in {self.State.PENDING, self.State.BUILDING}


class AccountDeletion(BaseModel):
    """A member's request to delete their account, carried out after a 14-day grace period.

    Lifecycle: scheduled → cancelled (by the member) | completed (by the purge, which deletes
    the User and with it this row; the audit log keeps ids only). ``anonymise``: keep public
    contributions as "Former member" instead of removing them. One scheduled deletion per
    member (a database constraint); ``User.deletion_scheduled`` mirrors it.
    """

    class State(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        CANCELLED = "cancelled", "Cancelled"
        COMPLETED = "completed", "Completed"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="account_deletions")
    state = models.CharField(max_length=10, choices=State.choices, default=State.SCHEDULED)
    anonymise = models.BooleanField(default=False)
    scheduled_for = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "scheduled_for"], name="accountdeletion_due_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(state="scheduled"),
                name="accountdeletion_one_scheduled_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"deletion of {self.user_id} ({self.state}, {self.scheduled_for:%Y-%m-%d})"


class MemberSession(AbstractBaseSession):
    """A browser session (``rounds.accounts.sessions``): Django's session row plus the member
    it is signed in as, so a member's sessions are found by index (to end them) and a page
    reads the session and the account in one query."""

    # Django's 32 random characters, then "." and the member's id when signed in.
    session_key = models.CharField("session key", max_length=64, primary_key=True)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=True
    )

    class Meta:
        verbose_name = "session"

    @classmethod
    def get_session_store_class(cls) -> Any:
        from .sessions import SessionStore

        return SessionStore
