"""Writes for data rights: the export lifecycle and the account-deletion lifecycle.

Export: pending → building → ready | failed; ready → expired (7 days, or a newer export).
Deletion: scheduled → cancelled | completed (the purge, after the 14-day grace period).
Every transition is audited with ids only; emails and background work run after commit.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from rounds.core.audit import audit
from rounds.core.errors import Conflict, NotFound, ValidationFailed

from ..models import AccountDeletion, ApiToken, DataExport, User
from .archive import write_archive
from .registry import erase_member
from .sessions import sessions_end_for

logger = logging.getLogger(__name__)

#: How long a ready export can be downloaded before its file is deleted.
EXPORT_LIFETIME = timedelta(days=7)
#: A pending or building export older than this is marked failed (its worker died).
EXPORT_STALE_AFTER = timedelta(hours=6)
#: Exports a member may request in 24 hours (each reads all their data).
MAX_EXPORTS_PER_DAY = 5
#: Between asking for deletion and the purge: the member may sign in and cancel.
DELETION_GRACE = timedelta(days=14)
#: Longest password accepted for confirmation (argon2 hashes anything; this bounds the work).
MAX_PASSWORD_LENGTH = 1024

_EXPORT_FILE_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}\.zip$")

Active = (DataExport.State.PENDING, DataExport.State.BUILDING)


# --- files ----------------------------------------------------------------------------------


def export_dir() -> Path:
    """Where export archives live: ``settings.DATA_EXPORT_DIR`` (outside MEDIA_ROOT, never
    served by the web server), created on first use and readable by this user only."""
    path = Path(getattr(settings, "DATA_EXPORT_DIR", "") or Path(settings.VAR_DIR) / "exports")
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def export_file_path(export: DataExport) -> Path | None:
    """The archive of ``export`` on disk, or None when it has none (or a name we did not make)."""
    if not export.file_name or not _EXPORT_FILE_RE.match(export.file_name):
        return None
    return export_dir() / export.file_name


def _delete_files(names: list[str]) -> None:
    for name in names:
        if name and _EXPORT_FILE_RE.match(name):
            (export_dir() / name).unlink(missing_ok=True)


def delete_export_files_on_commit(names: list[str]) -> None:
    """Delete these archive files once the current transaction commits (kept on rollback)."""
    names = [name for name in names if name]
    if names:
        transaction.on_commit(lambda: _delete_files(names))


def _site_link(view_name: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{reverse(view_name)}"


def _send(subject: str, body: str, to: str) -> None:
    """Send one email; a mail server failure is logged, never undoes the write it follows."""
    try:
        send_mail(subject, body, None, [to])
    except Exception:
        logger.exception("Sending %r failed", subject)


# --- export ---------------------------------------------------------------------------------


def _fail_stale_exports(*, user_id: int | None = None, now: datetime) -> int:
    """Mark pending/building exports untouched for EXPORT_STALE_AFTER as failed."""
    qs = DataExport.objects.filter(state__in=Active, updated_at__lte=now - EXPORT_STALE_AFTER)
    if user_id is not None:
        qs = qs.filter(user_id=user_id)
    return qs.update(state=DataExport.State.FAILED, updated_at=now)


@transaction.atomic
def data_export_request(*, actor: User) -> DataExport:
    """Ask for a copy of ``actor``'s data. The archive is built in the background after commit
    (``tasks.build_data_export``); the member is emailed when it is ready.

    Raises Conflict while another export is pending or building, or after
    MAX_EXPORTS_PER_DAY requests in 24 hours. Audited.
    """
    now = timezone.now()
    User.objects.select_for_update().filter(pk=actor.pk).first()  # serialise this member
    _fail_stale_exports(user_id=actor.pk, now=now)
    if DataExport.objects.filter(user=actor, state__in=Active).exists():
        raise Conflict(
            "Your previous export is still being prepared. We will email you when it is ready."
        )
    recent = DataExport.objects.filter(user=actor, created_at__gt=now - timedelta(days=1))
    if recent.count() >= MAX_EXPORTS_PER_DAY:
        raise Conflict(
            f"You have asked for {MAX_EXPORTS_PER_DAY} exports in the last 24 hours; "
            "please use the latest one or try again tomorrow."
        )
    try:
        with transaction.atomic():
            export = DataExport.objects.create(user=actor)
    except IntegrityError as exc:  # a concurrent request won the race
        raise Conflict("Your previous export is still being prepared.") from exc
    audit(actor=actor, action="data_export.request", target=export)
    from .tasks import build_data_export

    export_id = export.pk
    transaction.on_commit(lambda: build_data_export.enqueue(export_id=export_id))
    return export


def data_export_build(*, export_id: int) -> DataExport | None:
    """Build the archive of a pending export (pending → building → ready | failed).

    Does nothing (returns None) when the export is not pending: a task delivered twice builds
    once. On success older ready exports of the member expire (one export at a time) and the
    member is emailed a link to the download page. A failure is logged and recorded (failed);
    the member may ask again.
    """
    now = timezone.now()
    claimed = DataExport.objects.filter(pk=export_id, state=DataExport.State.PENDING).update(
        state=DataExport.State.BUILDING, started_at=now, updated_at=now
    )
    if not claimed:
        return None
    export = DataExport.objects.select_related("user").get(pk=export_id)
    name = f"{secrets.token_urlsafe(24)}.zip"
    target = export_dir() / name
    partial = target.with_name(f"{name}.part")
    try:
        size = write_archive(export.user, partial)
        os.replace(partial, target)
    except Exception:
        logger.exception("Building data export %s failed", export_id)
        partial.unlink(missing_ok=True)
        with transaction.atomic():
            failed = DataExport.objects.filter(
                pk=export_id, state=DataExport.State.BUILDING
            ).update(state=DataExport.State.FAILED, updated_at=timezone.now())
            if failed:
                audit(actor=export.user, action="data_export.fail", target=export)
        return DataExport.objects.filter(pk=export_id).first()
    return _data_export_finish(export=export, file_name=name, size=size)


@transaction.atomic
def _data_export_finish(*, export: DataExport, file_name: str, size: int) -> DataExport | None:
    now = timezone.now()
    done = DataExport.objects.filter(pk=export.pk, state=DataExport.State.BUILDING).update(
        state=DataExport.State.READY,
        file_name=file_name,
        size_bytes=size,
        ready_at=now,
        expires_at=now + EXPORT_LIFETIME,
        updated_at=now,
    )
    if not done:  # the member was deleted, or the export was given up as stale meanwhile
        delete_export_files_on_commit([file_name])
        return None
    older = list(
        DataExport.objects.select_for_update()
        .filter(user_id=export.user_id, state=DataExport.State.READY)
        .exclude(pk=export.pk)
    )
    if older:
        DataExport.objects.filter(pk__in=[e.pk for e in older]).update(
            state=DataExport.State.EXPIRED, updated_at=now
        )
        delete_export_files_on_commit([e.file_name for e in older])
    export.refresh_from_db()
    audit(actor=export.user, action="data_export.ready", target=export)
    export_id = export.pk
    transaction.on_commit(lambda: _email_export_ready(export_id))
    return export


def _email_export_ready(export_id: int) -> None:
    export = (
        DataExport.objects.select_related("user")
        .filter(pk=export_id, state=DataExport.State.READY)
        .first()
    )
    if export is None or export.expires_at is None:
        return
    _send(
        "[Rounds] Your data export is ready",
        "The copy of your Rounds data you asked for is ready.\n\n"
        f"Download it (signed in) from Settings → Your data:\n{_site_link('accounts:data')}\n\n"
        f"The download works until {export.expires_at:%d %B %Y, %H:%M} UTC; then the file "
        "is deleted. If you did not ask for this export, change your password.\n",
        export.user.email,
    )


def data_export_record_download(*, actor: User, export: DataExport) -> None:
    """Audit that the owner downloaded their archive (ids only)."""
    audit(actor=actor, action="data_export.download", target=export)


def data_exports_purge(*, now: datetime | None = None) -> dict[str, int]:
    """Expire ready exports past their date and delete their files; give up stale builds;
    delete archive files no export refers to (left by a crash) after a day.

    Returns counts: ``{"expired": n, "failed": n, "orphans": n}``.
    """
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            DataExport.objects.select_for_update().filter(
                state=DataExport.State.READY, expires_at__lte=now
            )
        )
        DataExport.objects.filter(pk__in=[e.pk for e in due]).update(
            state=DataExport.State.EXPIRED, updated_at=now
        )
        delete_export_files_on_commit([e.file_name for e in due])
        failed = _fail_stale_exports(now=now)
    known = set(
        DataExport.objects.filter(state=DataExport.State.READY).values_list("file_name", flat=True)
    )
    orphans = 0
    cutoff = (now - timedelta(days=1)).timestamp()
    for path in export_dir().iterdir():
        stray = path.name.endswith((".zip", ".zip.part")) and path.name not in known
        if stray and path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            orphans += 1
    return {"expired": len(due), "failed": failed, "orphans": orphans}


# --- deletion -------------------------------------------------------------------------------


def _check_password(user: User, password: Any) -> None:
    if not isinstance(password, str) or not password:
        raise ValidationFailed("Enter your current password to confirm.", field="password")
    if len(password) > MAX_PASSWORD_LENGTH or not user.has_usable_password():
        raise ValidationFailed("That is not your current password.", field="password")
    if not user.check_password(password):
        raise ValidationFailed("That is not your current password.", field="password")


@transaction.atomic
def account_deletion_request(
    *, actor: User, password: str, anonymise: bool, keep_session_key: str | None = None
) -> AccountDeletion:
    """Schedule the deletion of ``actor``'s account in DELETION_GRACE (14 days).

    ``password``: the current password (ValidationFailed on ``password`` otherwise).
    ``anonymise``: keep public contributions as "Former member" instead of removing them.
    At once: the member is hidden from everyone else (``User.deletion_scheduled``), every API
    token is revoked and every session but ``keep_session_key`` (the one asking) ends.
    Raises Conflict when a deletion is already scheduled. Audited; emails the member.
    """
    user = User.objects.select_for_update().get(pk=actor.pk)
    _check_password(user, password)
    if (
        user.deletion_scheduled
        or AccountDeletion.objects.filter(user=user, state=AccountDeletion.State.SCHEDULED).exists()
    ):
        raise Conflict("Your account is already scheduled for deletion.")
    now = timezone.now()
    deletion = AccountDeletion.objects.create(
        user=user, anonymise=bool(anonymise), scheduled_for=now + DELETION_GRACE
    )
    user.deletion_scheduled = True
    user.save(update_fields=["deletion_scheduled"])
    actor.deletion_scheduled = True
    tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=now, updated_at=now
    )
    sessions = sessions_end_for([user.pk], keep=keep_session_key)
    audit(
        actor=user,
        action="account.deletion_request",
        target=deletion,
        anonymise=deletion.anonymise,
        tokens_revoked=tokens,
        sessions_ended=sessions,
    )
    deletion_id = deletion.pk
    transaction.on_commit(lambda: _email_deletion_scheduled(deletion_id))
    return deletion


def _email_deletion_scheduled(deletion_id: int) -> None:
    deletion = (
        AccountDeletion.objects.select_related("user")
        .filter(pk=deletion_id, state=AccountDeletion.State.SCHEDULED)
        .first()
    )
    if deletion is None:
        return
    _send(
        "[Rounds] Your account is scheduled for deletion",
        "You asked us to delete your Rounds account. Your profile is already hidden from "
        "other members, your API tokens are revoked and your other sessions are signed out.\n\n"
        f"On {deletion.scheduled_for:%d %B %Y} we will delete your account and your data for "
        "good. Until then you can sign in and cancel:\n"
        f"{_site_link('accounts:data')}\n\n"
        "If you did not ask for this, sign in, cancel the deletion and change your password.\n",
        deletion.user.email,
    )


@transaction.atomic
def account_deletion_cancel(*, actor: User) -> AccountDeletion:
    """Cancel ``actor``'s scheduled deletion: the profile is visible again. Revoked tokens and
    ended sessions stay so. Raises NotFound when none is scheduled. Audited."""
    user = User.objects.select_for_update().get(pk=actor.pk)
    deletion = (
        AccountDeletion.objects.select_for_update()
        .filter(user=user, state=AccountDeletion.State.SCHEDULED)
        .first()
    )
    if deletion is None:
        raise NotFound("Your account is not scheduled for deletion.")
    deletion.state = AccountDeletion.State.CANCELLED
    deletion.cancelled_at = timezone.now()
    deletion.save(update_fields=["state", "cancelled_at", "updated_at"])
    user.deletion_scheduled = False
    user.save(update_fields=["deletion_scheduled"])
    actor.deletion_scheduled = False
    audit(actor=user, action="account.deletion_cancel", target=deletion)
    return deletion


@transaction.atomic
def account_purge(*, deletion_id: int, now: datetime | None = None) -> bool:
    """Carry out one due deletion: every app's ``erase_member_data`` (see ``registry``), the
    member's sessions, then the User row (foreign keys cascade: profile, tokens, email
    addresses, two-factor authenticators, network, …). Returns False when the deletion is not
    scheduled or not yet due. Audited with ids only.
    """
    now = now or timezone.now()
    deletion = (
        AccountDeletion.objects.select_for_update()
        .select_related("user")
        .filter(pk=deletion_id, state=AccountDeletion.State.SCHEDULED, scheduled_for__lte=now)
        .first()
    )
    if deletion is None:
        return False
    user = deletion.user
    user_id = user.pk
    erase_member(user, anonymise=deletion.anonymise)
    sessions_end_for([user_id])
    user.delete()
    audit(
        actor=None,
        action="account.purge",
        user_id=user_id,
        deletion_id=deletion_id,
        anonymise=deletion.anonymise,
    )
    return True


def account_deletions_purge_due(*, now: datetime | None = None) -> int:
    """Purge every deletion whose grace period is over (each in its own transaction: one
    failure is logged and retried next run, the others proceed). Returns how many."""
    now = now or timezone.now()
    due = AccountDeletion.objects.filter(
        state=AccountDeletion.State.SCHEDULED, scheduled_for__lte=now
    ).values_list("pk", flat=True)
    purged = 0
    for deletion_id in list(due):
        try:
            purged += account_purge(deletion_id=deletion_id, now=now)
        except Exception:
            logger.exception("Purging account deletion %s failed", deletion_id)
    return purged
