"""HTML forms for the profile editor, the directory and organizations.

Forms parse and shape input; the services in ``rounds.profiles.services`` are the authority on
what is valid (limits, vocabularies, uniqueness). Each profile section form turns its cleaned
data into the ``changes`` mapping ``profile_update`` takes. Widgets carry ``maxlength`` from the
services' limits so browsers help early, but the server always decides.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms

from rounds.core.publishing import preview_attrs

from . import vocab
from .models import (
    OPEN_TO_LABELS,
    CareerStage,
    Organization,
    Profile,
    ProfileVisibility,
    Role,
    Visibility,
)
from .services import BIO_PATH, HEADLINE_PATH, MAX_BIO, MAX_TAG_NAME, TEXT_LIMITS

EMAIL_VISIBILITY_CHOICES = [
    (value, label) for value, label in Visibility.choices if value != Visibility.PUBLIC
]
MAX_QUERY = 200
LANGUAGE_CHOICES: list[tuple[str, str]] = sorted(vocab.LANGUAGES.items(), key=lambda item: item[1])


def _text(label: str, *, limit: int, required: bool = False, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        widget=forms.TextInput(attrs={"maxlength": limit}),
        **kwargs,
    )


def split_names(text: str) -> list[str]:
    """Comma separated free text → cleaned, non-empty names (order kept, duplicates dropped)."""
    names = [" ".join(part.split()) for part in (text or "").split(",")]
    return list(dict.fromkeys(name for name in names if name))


class ProfileSectionForm(forms.Form):
    """One editable section of the profile. Subclasses name their section and fields."""

    section: ClassVar[str] = ""
    title: ClassVar[str] = ""

    def __init__(self, *args: Any, profile: Profile, **kwargs: Any) -> None:
        self.profile = profile
        kwargs.setdefault("initial", self.initial_for(profile))
        super().__init__(*args, **kwargs)
        first = next(iter(self.fields.values()), None)
        if first is not None:
            first.widget.attrs.setdefault("data-focus-after-swap", "")

    def initial_for(self, profile: Profile) -> dict[str, Any]:
        return {name: getattr(profile, name) for name in self.base_fields}

    def changes(self) -> dict[str, Any]:
        """The ``profile_update`` changes from cleaned data (call after ``is_valid``)."""
        return dict(self.cleaned_data)


class BasicsForm(ProfileSectionForm):
    section = "basics"
    title = "Basics"

    display_name = _text(
        "Name",
        limit=TEXT_LIMITS["display_name"],
        required=True,
        help_text="As colleagues know you.",
    )
    handle = _text(
        "Handle",
        limit=40,
        required=True,
        help_text="Your profile address: /members/your-handle/. Lowercase letters, digits and dashes.",
    )
    headline = forms.CharField(
        label="Headline",
        required=False,
        widget=forms.TextInput(
            attrs={"maxlength": TEXT_LIMITS["headline"], **preview_attrs(HEADLINE_PATH)}
        ),
        help_text="One line, for example “Hospitalist, quality improvement lead”.",
    )
    role = forms.ChoiceField(label="Role", choices=Role.choices)
    career_stage = forms.ChoiceField(label="Career stage", choices=CareerStage.choices)


class AboutForm(ProfileSectionForm):
    section = "about"
    title = "About"

    bio = forms.CharField(
        label="About you",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "maxlength": MAX_BIO, **preview_attrs(BIO_PATH)}),
        help_text=(
            "Markdown works: *emphasis*, **bold**, lists and links. Never include anything "
            "that could identify a patient."
        ),
    )


class SpecialtiesForm(ProfileSectionForm):
    section = "specialties"
    title = "Specialties"

    specialties = forms.MultipleChoiceField(
        label="Specialties",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Choose up to 10.",
    )

    def __init__(self, *args: Any, profile: Profile, **kwargs: Any) -> None:
        super().__init__(*args, profile=profile, **kwargs)
        field = self.fields["specialties"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(entry["slug"], entry["name"]) for entry in vocab.load("specialties")]

    def initial_for(self, profile: Profile) -> dict[str, Any]:
        return {"specialties": [s.slug for s in profile.specialties.all()]}

    def groups(self) -> list[dict[str, Any]]:
        """Specialties grouped under their parent, with the checked state, for the template."""
        selected = set(self["specialties"].value() or [])
        entries = vocab.load("specialties")
        children: dict[str, list[dict[str, Any]]] = {}
        for entry in entries:
            if entry["parent"]:
                children.setdefault(str(entry["parent"]), []).append(entry)
        groups = []
        for entry in entries:
            if entry["parent"]:
                continue
            options = [entry, *children.get(str(entry["slug"]), [])]
            items = [
                {
                    "slug": option["slug"],
                    "name": option["name"],
                    "checked": option["slug"] in selected,
                    "id": f"id_specialty_{option['slug']}",
                }
                for option in options
            ]
            groups.append(
                {
                    "name": entry["name"],
                    "items": items,
                    "has_checked": any(i["checked"] for i in items),
                }
            )
        return groups


class TagsForm(ProfileSectionForm):
    """Goals and interests: curated checkboxes plus "add your own" (comma separated)."""

    section = "tags"
    title = "Goals and interests"

    goals = forms.MultipleChoiceField(
        label="Goals", required=False, widget=forms.CheckboxSelectMultiple
    )
    goals_other = _text(
        "Add your own goals",
        limit=MAX_TAG_NAME * 5,
        help_text="Separate several with commas.",
    )
    interests = forms.MultipleChoiceField(
        label="Interests", required=False, widget=forms.CheckboxSelectMultiple
    )
    interests_other = _text(
        "Add your own interests",
        limit=MAX_TAG_NAME * 5,
        help_text="Separate several with commas.",
    )

    def __init__(self, *args: Any, profile: Profile, **kwargs: Any) -> None:
        super().__init__(*args, profile=profile, **kwargs)
        for name in ("goals", "interests"):
            curated = [(str(e["slug"]), str(e["name"])) for e in vocab.load(name)]
            known = {slug for slug, _ in curated}
            own = [(t.slug, t.name) for t in getattr(profile, name).all() if t.slug not in known]
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = curated + own

    def initial_for(self, profile: Profile) -> dict[str, Any]:
        return {
            "goals": [g.slug for g in profile.goals.all()],
            "interests": [i.slug for i in profile.interests.all()],
        }

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "goals": [*data["goals"], *split_names(data["goals_other"])],
            "interests": [*data["interests"], *split_names(data["interests_other"])],
        }


class LanguagesForm(ProfileSectionForm):
    section = "languages"
    title = "Languages"

    languages = forms.MultipleChoiceField(
        label="Languages you work in",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=LANGUAGE_CHOICES,
    )

    def initial_for(self, profile: Profile) -> dict[str, Any]:
        return {"languages": list(profile.languages or [])}


class LocationForm(ProfileSectionForm):
    section = "location"
    title = "Location"

    city = _text("City", limit=TEXT_LIMITS["city"])
    region = _text("State or region", limit=TEXT_LIMITS["region"])
    country = _text("Country", limit=TEXT_LIMITS["country"])
    location_visibility = forms.ChoiceField(
        label="Who can see your location", choices=Visibility.choices, widget=forms.RadioSelect
    )


class ContactForm(ProfileSectionForm):
    section = "contact"
    title = "Contact details"

    phone = _text("Phone", limit=32, help_text="Digits, spaces and + - ( ) only.")
    phone_visibility = forms.ChoiceField(
        label="Who can see your phone number", choices=Visibility.choices, widget=forms.RadioSelect
    )
    email_visibility = forms.ChoiceField(
        label="Who can see your email address",
        choices=EMAIL_VISIBILITY_CHOICES,
        widget=forms.RadioSelect,
        help_text="Your email address is never shown to visitors who are not signed in.",
    )

    def __init__(self, *args: Any, profile: Profile, **kwargs: Any) -> None:
        super().__init__(*args, profile=profile, **kwargs)
        self.fields["phone"].widget.input_type = "tel"
        self.fields["phone"].widget.attrs["autocomplete"] = "tel"


class VisibilityForm(ProfileSectionForm):
    section = "visibility"
    title = "Profile visibility"

    visibility = forms.ChoiceField(
        label="Who can see your profile",
        choices=ProfileVisibility.choices,
        widget=forms.RadioSelect,
    )


class OpenToForm(ProfileSectionForm):
    section = "open_to"
    title = "Open to"

    open_to_mentoring = forms.BooleanField(
        label=OPEN_TO_LABELS["open_to_mentoring"], required=False
    )
    open_to_being_mentored = forms.BooleanField(
        label=OPEN_TO_LABELS["open_to_being_mentored"], required=False
    )
    open_to_speaking = forms.BooleanField(label=OPEN_TO_LABELS["open_to_speaking"], required=False)
    open_to_collaboration = forms.BooleanField(
        label=OPEN_TO_LABELS["open_to_collaboration"], required=False
    )
    open_to_volunteering = forms.BooleanField(
        label=OPEN_TO_LABELS["open_to_volunteering"], required=False
    )


#: The sections saved through ``profile_update``, in page order.
PROFILE_SECTION_FORMS: dict[str, type[ProfileSectionForm]] = {
    form.section: form
    for form in (
        BasicsForm,
        AboutForm,
        SpecialtiesForm,
        TagsForm,
        LanguagesForm,
        LocationForm,
        ContactForm,
        VisibilityForm,
        OpenToForm,
    )
}


class NpiForm(forms.Form):
    npi = forms.CharField(
        label="NPI (National Provider Identifier)",
        required=False,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "maxlength": 14, "autocomplete": "off"}
        ),
        help_text="10 digits. Leave empty and save, or use “Remove”, to take it off file.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["npi"].widget.attrs["data-focus-after-swap"] = ""


class AvatarForm(forms.Form):
    avatar = forms.FileField(
        label="Photo",
        help_text="JPEG, PNG, WebP or GIF, at most 5 MB. We crop it square and remove its metadata.",
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["avatar"].widget.attrs["data-focus-after-swap"] = ""


class AffiliationForm(forms.Form):
    """A position at an organization. ``organization`` holds the organization's slug."""

    organization = forms.CharField(
        label="Organization", required=True, widget=forms.HiddenInput, max_length=220
    )
    # The columns hold 120 characters; the service's generic text limit is higher.
    title = _text(
        "Title or position",
        limit=120,
        max_length=120,
        help_text="For example “Attending physician”.",
    )
    department = _text("Department", limit=120, max_length=120)
    start_date = forms.DateField(
        label="Started", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end_date = forms.DateField(
        label="Ended",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty while this is your current position.",
    )
    is_current = forms.BooleanField(label="This is a current position", required=False)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["organization"]
            self.fields["title"].widget.attrs["data-focus-after-swap"] = ""

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "department": data["department"],
            "start_date": data["start_date"],
            "end_date": data["end_date"],
            "is_current": data["is_current"],
        }


class OrganizationForm(forms.Form):
    name = _text("Organization name", limit=TEXT_LIMITS.get("name", 200), required=True)
    kind = forms.ChoiceField(label="Kind", choices=Organization.Kind.choices)
    city = _text("City", limit=100)
    region = _text("State or region", limit=100)
    country = _text("Country", limit=100)
    website = forms.CharField(
        label="Website",
        required=False,
        widget=forms.URLInput(attrs={"maxlength": 200, "placeholder": "https://"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["data-focus-after-swap"] = ""


def check_search_term(value: str) -> str:
    """A name search of at least ``MIN_SEARCH_LENGTH`` characters (or none): shorter fragments
    match too much to be useful, and no index can serve them (a table scan at 200,000
    members). Raises ValidationError with the message shown to the member."""
    from .selectors import MIN_SEARCH_LENGTH

    if value and len(value.strip()) < MIN_SEARCH_LENGTH:
        raise forms.ValidationError(
            f"Type at least {MIN_SEARCH_LENGTH} letters of a name, headline or handle."
        )
    return value


class DirectoryFilterForm(forms.Form):
    """The directory's GET filters. Over-long values are errors (400), never truncated."""

    q = forms.CharField(label="Name or headline", required=False, max_length=MAX_QUERY)
    specialty = forms.CharField(label="Specialty", required=False, max_length=80)
    organization = forms.CharField(label="Organization", required=False, max_length=220)
    location = forms.CharField(label="Location", required=False, max_length=100)
    role = forms.ChoiceField(
        label="Role", required=False, choices=[("", "Any role"), *Role.choices]
    )
    goal = forms.CharField(label="Goal", required=False, max_length=80)
    interest = forms.CharField(label="Interest", required=False, max_length=80)
    open_to = forms.MultipleChoiceField(
        label="Open to",
        required=False,
        choices=list(OPEN_TO_LABELS.items()),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.input_type = "search"

    def clean_q(self) -> str:
        return check_search_term(self.cleaned_data["q"])

    def options(self, vocabulary: str) -> list[tuple[str, str]]:
        """Curated options for a select (plus the current value when it is not curated)."""
        entries = [(str(e["slug"]), str(e["name"])) for e in vocab.load(vocabulary)]
        field = {"specialties": "specialty", "goals": "goal", "interests": "interest"}[vocabulary]
        current = self.data.get(field, "") if self.is_bound else ""
        if current and current not in {slug for slug, _ in entries} and len(current) <= 80:
            entries.append((current, current.replace("-", " ").capitalize()))
        return entries

    @property
    def goal_options(self) -> list[tuple[str, str]]:
        return self.options("goals")

    @property
    def interest_options(self) -> list[tuple[str, str]]:
        return self.options("interests")

    def specialty_groups(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """Specialties as (parent name, [(slug, name)]) groups for an ``<optgroup>`` select."""
        entries = vocab.load("specialties")
        groups: dict[str, list[tuple[str, str]]] = {}
        names: dict[str, str] = {}
        for entry in entries:
            if not entry["parent"]:
                names[str(entry["slug"])] = str(entry["name"])
                groups[str(entry["slug"])] = [(str(entry["slug"]), str(entry["name"]))]
        for entry in entries:
            if entry["parent"] and entry["parent"] in groups:
                groups[str(entry["parent"])].append((str(entry["slug"]), str(entry["name"])))
        return [(names[slug], options) for slug, options in groups.items()]


class OrganizationFilterForm(forms.Form):
    q = forms.CharField(label="Name", required=False, max_length=MAX_QUERY)
    kind = forms.ChoiceField(
        label="Kind", required=False, choices=[("", "Any kind"), *Organization.Kind.choices]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.input_type = "search"


class OrganizationSearchForm(forms.Form):
    """The organization picker's search box on the affiliation form."""

    org_q = forms.CharField(label="Find your organization", required=False, max_length=MAX_QUERY)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_q"].widget.input_type = "search"
        self.fields["org_q"].widget.attrs["data-focus-after-swap"] = ""
