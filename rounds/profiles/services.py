"""Writes for profiles, organizations and affiliations (validate → atomic → audit)."""

from __future__ import annotations

import io
import re
import secrets
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image, ImageOps, UnidentifiedImageError

from rounds.core.audit import audit
from rounds.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from rounds.core.publishing import Draft, guard_texts, publishing_path

from .models import (
    OPEN_TO_FIELDS,
    Affiliation,
    CareerStage,
    Goal,
    Interest,
    Organization,
    Profile,
    ProfileVisibility,
    Role,
    Specialty,
    Visibility,
)
from .npi import InvalidNPI, normalize_npi
from .policies import can_verify_npi
from .vocab import LANGUAGES

HANDLE_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,38}[a-z0-9])?$")
RESERVED_HANDLES = frozenset(
    {
        "admin",
        "api",
        "me",
        "new",
        "edit",
        "settings",
        "accounts",
        "static",
        "media",
        "search",
        "directory",
        "healthz",
        "readyz",
        "rounds",
        "staff",
        "support",
        "help",
        "about",
        "organizations",
    }
)
PHONE_RE = re.compile(r"^\+?[0-9 ().-]{7,32}$")
MAX_BIO = 5000
MAX_TAGS = 20
MAX_TAG_NAME = 60
MAX_SPECIALTIES = 10
MAX_LANGUAGES = 15

TEXT_LIMITS = {
    "display_name": 120,
    "headline": 160,
    "bio": MAX_BIO,
    "city": 100,
    "region": 100,
    "country": 100,
    "department": 120,
    "title": 120,
    "name": 200,
}

#: Texts of the profile that pass the professionalism guard before they are published.
HEADLINE_PATH = publishing_path(
    "profile.headline", kind="headline", field="headline", model_field="profiles.Profile.headline"
)
BIO_PATH = publishing_path(
    "profile.bio", kind="bio", field="bio", model_field="profiles.Profile.bio"
)
GUARDED_PROFILE_TEXTS = (HEADLINE_PATH, BIO_PATH)


def _clean_text(field: str, value: Any, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed("Must be text.", field=field)
    value = value.strip()
    if "\x00" in value:
        raise ValidationFailed("Contains a character that is not allowed.", field=field)
    if required and not value:
        raise ValidationFailed("This field is required.", field=field)
    limit = TEXT_LIMITS.get(field, 200)
    if len(value) > limit:
        raise ValidationFailed(f"At most {limit} characters (this has {len(value)}).", field=field)
    return value


def _choice(field: str, value: Any, choices: type[Any], *, allowed: set[str] | None = None) -> str:
    valid = allowed if allowed is not None else set(choices.values)
    if value not in valid:
        options = ", ".join(sorted(valid))
        raise ValidationFailed(f"Choose one of: {options}.", field=field)
    return str(value)


def validate_handle(handle: Any) -> str:
    if not isinstance(handle, str):
        raise ValidationFailed("Must be text.", field="handle")
    handle = handle.strip().lower()
    if not HANDLE_RE.match(handle):
        raise ValidationFailed(
            "Handles are 3–40 lowercase letters, digits or dashes, starting and ending with a letter or digit.",
            field="handle",
        )
    if handle in RESERVED_HANDLES:
        raise ValidationFailed("That handle is reserved; please choose another.", field="handle")
    return handle


def _unique_handle(base: str) -> str:
    stem = slugify(base)[:30].strip("-") or "member"
    if len(stem) < 3:
        stem = f"{stem}-md"
    candidate = stem
    while candidate in RESERVED_HANDLES or Profile.objects.filter(handle=candidate).exists():
        candidate = f"{stem}-{secrets.randbelow(9000) + 1000}"
    return candidate


@transaction.atomic
def profile_create_for_user(*, user: Any, display_name: str, role: str = Role.PHYSICIAN) -> Profile:
    """Create the profile of a new account with a unique handle derived from the name."""
    display_name = _clean_text("display_name", display_name, required=True)
    role = _choice("role", role, Role)
    existing = Profile.objects.filter(user=user).first()
    if existing is not None:
        return existing
    return Profile.objects.create(
        user=user, display_name=display_name, role=role, handle=_unique_handle(display_name)
    )


def profile_ensure(*, user: Any) -> Profile:
    """The user's profile, created from their email if they have none (e.g. created by admin)."""
    profile = Profile.objects.filter(user=user).first()
    if profile is not None:
        return profile
    return profile_create_for_user(user=user, display_name=user.email.split("@")[0])


def _tags(field: str, model: type[Goal] | type[Interest], values: Any) -> list[Any]:
    """Resolve goal/interest names or slugs; unknown names become member-added (uncurated) tags."""
    if not isinstance(values, list | tuple):
        raise ValidationFailed("Must be a list.", field=field)
    if len(values) > MAX_TAGS:
        raise ValidationFailed(f"At most {MAX_TAGS} entries.", field=field)
    result = []
    seen: set[str] = set()
    for raw in values:
        if not isinstance(raw, str) or not raw.strip():
            raise ValidationFailed("Each entry must be non-empty text.", field=field)
        name = " ".join(raw.split())
        if len(name) > MAX_TAG_NAME:
            raise ValidationFailed(f"Each entry is at most {MAX_TAG_NAME} characters.", field=field)
        slug = slugify(name)[:80]
        if not slug:
            raise ValidationFailed(
                f"“{name[:20]}” needs at least one letter or digit.", field=field
            )
        if slug in seen:
            continue
        seen.add(slug)
        tag = model.objects.filter(slug=slug).first()
        if tag is None:
            tag, _ = model.objects.get_or_create(
                slug=slug, defaults={"name": name, "curated": False}
            )
        result.append(tag)
    return result


def _specialties(values: Any) -> list[Specialty]:
    if not isinstance(values, list | tuple):
        raise ValidationFailed("Must be a list of specialty slugs.", field="specialties")
    if len(values) > MAX_SPECIALTIES:
        raise ValidationFailed(f"At most {MAX_SPECIALTIES} specialties.", field="specialties")
    slugs = []
    for value in values:
        if not isinstance(value, str):
            raise ValidationFailed("Must be a list of specialty slugs.", field="specialties")
        slugs.append(value)
    found = {s.slug: s for s in Specialty.objects.filter(slug__in=slugs)}
    unknown = [s for s in slugs if s not in found]
    if unknown:
        raise ValidationFailed(f"Unknown specialty: {unknown[0][:60]}.", field="specialties")
    return [found[s] for s in dict.fromkeys(slugs)]


def _languages(values: Any) -> list[str]:
    if not isinstance(values, list | tuple):
        raise ValidationFailed("Must be a list of language codes.", field="languages")
    if len(values) > MAX_LANGUAGES:
        raise ValidationFailed(f"At most {MAX_LANGUAGES} languages.", field="languages")
    codes = []
    for value in values:
        if not isinstance(value, str) or value not in LANGUAGES:
            raise ValidationFailed(f"Unknown language code: {str(value)[:20]}.", field="languages")
        codes.append(value)
    return list(dict.fromkeys(codes))


PROFILE_FIELDS = frozenset(
    {
        "display_name",
        "headline",
        "bio",
        "role",
        "career_stage",
        "specialties",
        "goals",
        "interests",
        "languages",
        "city",
        "region",
        "country",
        "location_visibility",
        "phone",
        "phone_visibility",
        "email_visibility",
        "visibility",
        "handle",
        *OPEN_TO_FIELDS,
    }
)


@transaction.atomic
def profile_update(
    *,
    actor: Any,
    profile: Profile,
    changes: Mapping[str, Any],
    acknowledge_warnings: bool = False,
) -> Profile:
    """Apply ``changes`` (a partial mapping of PROFILE_FIELDS) to ``actor``'s own profile.

    Everything is validated before anything is written; on any error nothing changes.
    Raises Forbidden when ``actor`` is not the owner, ValidationFailed with field errors,
    Conflict when the handle is taken. A changed headline or bio passes the professionalism
    guard: ContentBlocked (patient information) or ContentNeedsConfirmation (warnings not
    acknowledged with ``acknowledge_warnings``).
    """
    if actor is None or not actor.is_authenticated or actor.pk != profile.user_id:
        raise Forbidden("You can only edit your own profile.")
    unknown = set(changes) - PROFILE_FIELDS
    if unknown:
        raise ValidationFailed(f"Unknown field: {sorted(unknown)[0]}.", field=sorted(unknown)[0])

    scalar: dict[str, Any] = {}
    relations: dict[str, list[Any]] = {}
    errors: dict[str, list[str]] = {}
    for name, value in changes.items():
        try:
            if name in TEXT_LIMITS:
                scalar[name] = _clean_text(name, value, required=name == "display_name")
            elif name == "handle":
                scalar[name] = validate_handle(value)
            elif name == "role":
                scalar[name] = _choice(name, value, Role)
            elif name == "career_stage":
                scalar[name] = _choice(name, value, CareerStage)
            elif name in {"location_visibility", "phone_visibility"}:
                scalar[name] = _choice(name, value, Visibility)
            elif name == "email_visibility":
                scalar[name] = _choice(
                    name, value, Visibility, allowed={"nobody", "connections", "members"}
                )
            elif name == "visibility":
                scalar[name] = _choice(name, value, ProfileVisibility)
            elif name == "phone":
                phone = _clean_text(name, value)
                if phone and not PHONE_RE.match(phone):
                    raise ValidationFailed(
                        "Enter a phone number of digits, spaces, +, -, ( or ).", field=name
                    )
                scalar[name] = phone
            elif name in OPEN_TO_FIELDS:
                if not isinstance(value, bool):
                    raise ValidationFailed("Must be true or false.", field=name)
                scalar[name] = value
            elif name == "languages":
                scalar[name] = _languages(value)
            elif name == "specialties":
                relations[name] = _specialties(value)
            elif name == "goals":
                relations[name] = _tags(name, Goal, value)
            elif name == "interests":
                relations[name] = _tags(name, Interest, value)
        except ValidationFailed as exc:
            for field_name, messages in exc.errors.items():
                errors.setdefault(field_name, []).extend(messages)
    if errors:
        first_field = next(iter(errors))
        raise ValidationFailed(errors[first_field][0], errors=errors)

    new_handle = scalar.get("handle")
    if new_handle and Profile.objects.filter(handle=new_handle).exclude(pk=profile.pk).exists():
        raise Conflict("That handle is already taken.", field="handle")
    guard_texts(
        actor=actor,
        drafts=[
            Draft(path=path, text=scalar[path.field])
            for path in GUARDED_PROFILE_TEXTS
            if path.field in scalar and scalar[path.field] != getattr(profile, path.field)
        ],
        acknowledge_warnings=acknowledge_warnings,
    )

    for name, value in scalar.items():
        setattr(profile, name, value)
    try:
        with transaction.atomic():
            profile.save()
    except IntegrityError as exc:
        raise Conflict("That handle is already taken.", field="handle") from exc
    for name, objects in relations.items():
        getattr(profile, name).set(objects)
    if relations:
        _network_traits_changed(profile.user_id)
    return profile


def profile_touch(*, user_id: int) -> None:
    """Bump the member's ``Profile.updated_at`` after a change to what their profile shows that
    is stored elsewhere (positions): cached cards and pages are keyed by it
    (rounds.core.fragments), so the next read shows the change."""
    Profile.objects.filter(user_id=user_id).update(updated_at=timezone.now())


def _network_traits_changed(user_id: int) -> None:
    """Affiliations, specialties, goals or interests changed: re-propose connection types."""
    from rounds.network.services import connection_types_refresh_for

    connection_types_refresh_for(user_id=user_id)


@transaction.atomic
def profile_set_npi(*, actor: Any, profile: Profile, npi: str | None) -> Profile:
    """Put an NPI on file (or remove it with an empty value). Changing it clears verification.

    Raises ValidationFailed for a malformed number, Conflict when another member has it.
    The check digit proves the number is well formed, never that it is this member's.
    """
    if actor is None or actor.pk != profile.user_id:
        raise Forbidden("You can only change your own NPI.")
    if npi is None or (isinstance(npi, str) and not npi.strip()):
        normalized = None
    else:
        if not isinstance(npi, str):
            raise ValidationFailed("Enter your NPI as text.", field="npi")
        try:
            normalized = normalize_npi(npi)
        except InvalidNPI as exc:
            raise ValidationFailed(str(exc), field="npi") from exc
    if normalized == profile.npi:
        return profile
    if normalized and Profile.objects.filter(npi=normalized).exclude(pk=profile.pk).exists():
        raise Conflict(
            "This NPI is already on file for another member. Contact support if it is yours.",
            field="npi",
        )
    profile.npi = normalized
    profile.npi_verified_at = None
    profile.npi_verified_by = None
    try:
        with transaction.atomic():
            profile.save(update_fields=["npi", "npi_verified_at", "npi_verified_by", "updated_at"])
    except IntegrityError as exc:
        raise Conflict("This NPI is already on file for another member.", field="npi") from exc
    audit(
        actor=actor,
        action="profile.npi.set" if normalized else "profile.npi.remove",
        target=profile,
    )
    return profile


@transaction.atomic
def profile_verify_npi(*, actor: Any, profile: Profile, verified: bool = True) -> Profile:
    """Staff confirm (or withdraw confirmation of) a member's NPI after checking the registry. Audited."""
    if not can_verify_npi(actor):
        raise Forbidden("Only staff can verify an NPI.")
    profile = Profile.objects.select_for_update().get(pk=profile.pk)
    if verified and not profile.npi:
        raise ValidationFailed("This member has no NPI on file.", field="npi")
    profile.npi_verified_at = timezone.now() if verified else None
    profile.npi_verified_by = actor if verified else None
    profile.save(update_fields=["npi_verified_at", "npi_verified_by", "updated_at"])
    audit(
        actor=actor,
        action="profile.npi.verify" if verified else "profile.npi.unverify",
        target=profile,
    )
    return profile


AVATAR_SIZE = 512
AVATAR_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
AVATAR_MAX_PIXELS = 40_000_000


def profile_set_avatar(*, actor: Any, profile: Profile, upload: Any) -> Profile:
    """Replace the avatar with a re-encoded, EXIF-free JPEG of at most 512×512 pixels.

    Raises ValidationFailed for files that are too big, not images, or not JPEG/PNG/WebP/GIF.
    """
    if actor is None or actor.pk != profile.user_id:
        raise Forbidden("You can only change your own photo.")
    limit = settings.AVATAR_MAX_BYTES
    size = getattr(upload, "size", None)
    if size is None or size > limit:
        raise ValidationFailed(f"Photos are at most {limit // (1024 * 1024)} MB.", field="avatar")
    try:
        upload.seek(0)
        data = upload.read(limit + 1)
        if len(data) > limit:
            raise ValidationFailed(
                f"Photos are at most {limit // (1024 * 1024)} MB.", field="avatar"
            )
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            width, height = probe.size
            probe.verify()
        if fmt not in AVATAR_FORMATS:
            raise ValidationFailed("Upload a JPEG, PNG, WebP or GIF image.", field="avatar")
        if width * height > AVATAR_MAX_PIXELS:
            raise ValidationFailed(
                "That image has too many pixels; upload a smaller one.", field="avatar"
            )
        with Image.open(io.BytesIO(data)) as image:
            image.seek(0)
            oriented = ImageOps.exif_transpose(image)
            rgb = oriented.convert("RGB")
            rgb = (
                ImageOps.fit(rgb, (AVATAR_SIZE, AVATAR_SIZE))
                if min(rgb.size) >= AVATAR_SIZE
                else rgb
            )
            rgb.thumbnail((AVATAR_SIZE, AVATAR_SIZE))
            out = io.BytesIO()
            rgb.save(
                out, format="JPEG", quality=85, optimize=True
            )  # no exif= argument: metadata dropped
    except ValidationFailed:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        SyntaxError,
        Image.DecompressionBombError,
    ) as exc:
        raise ValidationFailed("That file is not an image we can read.", field="avatar") from exc
    old = profile.avatar.name if profile.avatar else ""
    with transaction.atomic():
        profile.avatar.save(
            f"{profile.pk}-{secrets.token_hex(8)}.jpg", ContentFile(out.getvalue()), save=False
        )
        profile.save(update_fields=["avatar", "updated_at"])
    if old:
        transaction.on_commit(lambda: profile.avatar.storage.delete(old))
    return profile


def profile_remove_avatar(*, actor: Any, profile: Profile) -> Profile:
    if actor is None or actor.pk != profile.user_id:
        raise Forbidden("You can only change your own photo.")
    if profile.avatar:
        old = profile.avatar.name or ""
        profile.avatar = ""  # type: ignore[assignment]
        profile.save(update_fields=["avatar", "updated_at"])
        transaction.on_commit(lambda: profile.avatar.storage.delete(old))
    return profile


# --- organizations and affiliations ---------------------------------------------------------


@transaction.atomic
def organization_create(
    *,
    actor: Any,
    name: str,
    kind: str,
    city: str = "",
    region: str = "",
    country: str = "",
    website: str = "",
) -> Organization:
    """Add an organization that is missing from the directory. Raises Conflict for a duplicate."""
    if actor is None or not actor.is_authenticated:
        raise Forbidden("Sign in to add an organization.")
    name = _clean_text("name", name, required=True)
    kind = _choice("kind", kind, Organization.Kind)
    city = _clean_text("city", city)
    region = _clean_text("region", region)
    country = _clean_text("country", country)
    website = (website or "").strip()
    if website:
        try:
            URLValidator(schemes=["http", "https"])(website)
        except ValidationError as exc:
            raise ValidationFailed(
                "Enter a web address starting with http:// or https://.", field="website"
            ) from exc
    if Organization.objects.filter(name__iexact=name, city__iexact=city).exists():
        raise Conflict(
            "That organization is already listed; choose it from the list.", field="name"
        )
    base = slugify(f"{name} {city}")[:200].strip("-") or "organization"
    slug = base
    while Organization.objects.filter(slug=slug).exists():
        slug = f"{base}-{secrets.randbelow(9000) + 1000}"
    org = Organization.objects.create(
        name=name, kind=kind, city=city, region=region, country=country, website=website, slug=slug
    )
    audit(actor=actor, action="organization.create", target=org)
    return org


def _affiliation_values(
    *, department: Any, title: Any, start_date: date | None, end_date: date | None, is_current: Any
) -> dict[str, Any]:
    if not isinstance(is_current, bool):
        raise ValidationFailed("Must be true or false.", field="is_current")
    department = _clean_text("department", department)
    title = _clean_text("title", title)
    if is_current and end_date is not None:
        raise ValidationFailed("A current position has no end date.", field="end_date")
    if start_date and end_date and end_date < start_date:
        raise ValidationFailed("The end date is before the start date.", field="end_date")
    today = timezone.localdate()
    if start_date and start_date > today + timedelta(days=366):  # replace(year=) fails on 29 Feb
        raise ValidationFailed("The start date is too far in the future.", field="start_date")
    return {
        "department": department,
        "title": title,
        "start_date": start_date,
        "end_date": end_date,
        "is_current": is_current,
    }


MAX_AFFILIATIONS = 30


@transaction.atomic
def affiliation_add(
    *,
    actor: Any,
    organization: Organization,
    department: str = "",
    title: str = "",
    start_date: date | None = None,
    end_date: date | None = None,
    is_current: bool = True,
) -> Affiliation:
    """Add a position to ``actor``'s profile. Current positions make operational colleagues."""
    values = _affiliation_values(
        department=department,
        title=title,
        start_date=start_date,
        end_date=end_date,
        is_current=is_current,
    )
    if Affiliation.objects.filter(user=actor).count() >= MAX_AFFILIATIONS:
        raise ValidationFailed(f"At most {MAX_AFFILIATIONS} positions.", field="organization")
    affiliation = Affiliation.objects.create(user=actor, organization=organization, **values)
    profile_touch(user_id=actor.pk)
    _network_traits_changed(actor.pk)
    return affiliation


@transaction.atomic
def affiliation_update(
    *, actor: Any, affiliation_id: int, changes: Mapping[str, Any]
) -> Affiliation:
    """Edit one of ``actor``'s positions. Raises NotFound for anyone else's."""
    affiliation = (
        Affiliation.objects.select_for_update().filter(pk=affiliation_id, user=actor).first()
    )
    if affiliation is None:
        raise NotFound("No such position.")
    merged = {
        "department": affiliation.department,
        "title": affiliation.title,
        "start_date": affiliation.start_date,
        "end_date": affiliation.end_date,
        "is_current": affiliation.is_current,
    }
    merged.update({k: v for k, v in changes.items() if k in merged})
    values = _affiliation_values(**merged)  # type: ignore[arg-type]
    if "organization" in changes and changes["organization"] is not None:
        affiliation.organization = changes["organization"]
    for key, value in values.items():
        setattr(affiliation, key, value)
    affiliation.save()
    profile_touch(user_id=actor.pk)
    _network_traits_changed(actor.pk)
    return affiliation


@transaction.atomic
def affiliation_remove(*, actor: Any, affiliation_id: int) -> None:
    """Delete one of ``actor``'s positions. Raises NotFound for anyone else's."""
    deleted, _ = Affiliation.objects.filter(pk=affiliation_id, user=actor).delete()
    if not deleted:
        raise NotFound("No such position.")
    profile_touch(user_id=actor.pk)
    _network_traits_changed(actor.pk)
