"""vCard 4.0 (RFC 6350) reader and writer for the contacts notebook (pure Python, no Django).

Writer: one ``BEGIN:VCARD`` / ``VERSION:4.0`` / ... / ``END:VCARD`` block per contact with
``FN``, ``N``, ``ORG``, ``TITLE``, ``EMAIL``, ``TEL``, ``NOTE``, ``CATEGORIES`` and ``URL``;
text values escaped (backslash, comma, semicolon, newline: RFC 6350 §3.4), lines folded at 75
octets without splitting a UTF-8 character (§3.2), CRLF line ends.

Reader: unfolds (CRLF or LF followed by a space or tab), splits content lines into group,
name, parameters (quoted values allowed) and value, unescapes text, and reads vCard 4.0 as well
as 3.0 (and 2.1) cards from other tools: ``TYPE=`` parameters, Apple's ``item1.`` groups,
``ENCODING=QUOTED-PRINTABLE``, ``CHARSET=``, ``tel:`` URIs. The first ``EMAIL``/``TEL``/``URL``
of a card is kept (``PREF=1``/``TYPE=pref`` first); properties it does not know are ignored.

Errors (``VCardFormatError``, with a line number when there is one): too large, binary, no card
at all, a card that does not end, a nested card, too many cards. A card without a name is
skipped with a warning.
"""

from __future__ import annotations

import quopri
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

MAX_BYTES = 5 * 1024 * 1024
MAX_CARDS = 30_000
FOLD_OCTETS = 75
CRLF = "\r\n"

MAX_NAME = 200
MAX_TEXT = 200
MAX_EMAIL = 254
MAX_PHONE = 40
MAX_URL = 300
MAX_NOTE = 1000
MAX_CATEGORIES = 20
MAX_CATEGORY = 80

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class VCardFormatError(ValueError):
    """The file cannot be read as vCards. ``line`` is 1-based (None: the whole file)."""

    def __init__(self, message: str, *, line: int | None = None):
        self.line = line
        self.detail = message
        super().__init__(f"Line {line}: {message}" if line else message)


@dataclass(frozen=True, slots=True)
class Card:
    """The fields of one contact, as written to or read from a vCard."""

    name: str
    family_name: str = ""
    given_name: str = ""
    organization: str = ""
    title: str = ""
    email: str = ""
    phone: str = ""
    note: str = ""
    categories: tuple[str, ...] = ()
    url: str = ""
    line: int = 0
    version: str = "4.0"


@dataclass(frozen=True, slots=True)
class CardWarning:
    line: int
    message: str


@dataclass(slots=True)
class VCardFile:
    cards: list[Card] = field(default_factory=list)
    warnings: list[CardWarning] = field(default_factory=list)


# --- writing ------------------------------------------------------------------------------------


def escape_text(value: str) -> str:
    """Escape a text value (RFC 6350 §3.4): backslash, comma, semicolon and newlines."""
    value = value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def fold(line: str) -> str:
    """Fold a content line into lines of at most 75 octets (continuations start with a space),
    never splitting a multi-octet UTF-8 character."""
    out: list[str] = []
    current: list[str] = []
    size = 0
    limit = FOLD_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            out.append("".join(current))
            current, size = [], 0
            limit = FOLD_OCTETS - 1  # the leading space counts
        current.append(char)
        size += width
    out.append("".join(current))
    return (CRLF + " ").join(out)


def _content_line(name: str, value: str, params: str = "") -> str:
    return fold(f"{name}{params}:{value}") + CRLF


def split_name(name: str) -> tuple[str, str]:
    """(family, given) from a display name: the last word is the family name."""
    words = name.split()
    if len(words) < 2:
        return (name.strip(), "")
    return (words[-1], " ".join(words[:-1]))


def write_card(card: Card) -> str:
    """One vCard 4.0 for ``card`` (CRLF line ends, folded)."""
    family, given = (card.family_name, card.given_name)
    if not family and not given:
        family, given = split_name(card.name)
    parts = [
        "BEGIN:VCARD" + CRLF,
        "VERSION:4.0" + CRLF,
        _content_line("FN", escape_text(card.name)),
        _content_line("N", f"{escape_text(family)};{escape_text(given)};;;"),
    ]
    if card.organization:
        parts.append(_content_line("ORG", escape_text(card.organization)))
    if card.title:
        parts.append(_content_line("TITLE", escape_text(card.title)))
    if card.email:
        parts.append(_content_line("EMAIL", escape_text(card.email)))
    if card.phone:
        parts.append(_content_line("TEL", escape_text(card.phone), ";VALUE=text"))
    if card.note:
        parts.append(_content_line("NOTE", escape_text(card.note)))
    if card.categories:
        parts.append(_content_line("CATEGORIES", ",".join(escape_text(c) for c in card.categories)))
    if card.url:
        parts.append(_content_line("URL", card.url))
    parts.append("END:VCARD" + CRLF)
    return "".join(parts)


def write_cards(cards: Iterable[Card]) -> str:
    return "".join(write_card(card) for card in cards)


# --- reading ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ContentLine:
    line: int
    name: str
    params: dict[str, list[str]]
    value: str


def _unfold(text: str) -> list[tuple[int, str]]:
    """Logical lines with the number of their first physical line."""
    logical: list[tuple[int, str]] = []
    for number, physical in enumerate(text.split("\n"), start=1):
        physical = physical.removesuffix("\r")
        if physical[:1] in (" ", "\t") and logical:
            start, previous = logical[-1]
            logical[-1] = (start, previous + physical[1:])
        else:
            logical.append((number, physical))
    return logical


def _qp_soft_breaks(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """vCard 2.1 quoted-printable values continue on the next line after a trailing ``=``."""
    merged: list[tuple[int, str]] = []
    carry: tuple[int, str] | None = None
    for number, line in lines:
        if carry is not None:
            number, line = carry[0], carry[1][:-1] + line
            carry = None
        head = line.split(":", 1)[0].upper()
        if "QUOTED-PRINTABLE" in head and line.endswith("="):
            carry = (number, line)
            continue
        merged.append((number, line))
    if carry is not None:
        merged.append(carry)
    return merged


def _split_unquoted(text: str, separator: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif char == separator and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def parse_content_line(number: int, line: str) -> ContentLine | None:
    """``[group.]NAME[;param=value...]:value``; None for a line without a colon."""
    head, colon, value = "", "", ""
    quoted = False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            head, colon, value = line[:index], ":", line[index + 1 :]
            break
    if not colon:
        return None
    pieces = _split_unquoted(head, ";")
    name = pieces[0].rsplit(".", 1)[-1].strip().upper()
    params: dict[str, list[str]] = {}
    for piece in pieces[1:]:
        key, equals, raw = piece.partition("=")
        if not equals:  # vCard 2.1: bare types (TEL;CELL;PREF:...)
            params.setdefault("TYPE", []).append(key.strip().lower())
            continue
        values = [v.strip().strip('"') for v in _split_unquoted(raw, ",")]
        params.setdefault(key.strip().upper(), []).extend(v.lower() for v in values)
    return ContentLine(line=number, name=name, params=params, value=value)


def unescape_text(value: str) -> str:
    out: list[str] = []
    chars = iter(value)
    for char in chars:
        if char != "\\":
            out.append(char)
            continue
        following = next(chars, "")
        if following in ("n", "N"):
            out.append("\n")
        elif following:
            out.append(following)  # \\ \, \; \: and unknown escapes: the character itself
    return "".join(out)


def split_escaped(value: str, separator: str) -> list[str]:
    """Split on unescaped ``separator`` (then unescape each part)."""
    parts, current, escaped = [], [], False
    for char in value:
        if escaped:
            current.append("\\" + char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == separator:
            parts.append(unescape_text("".join(current)))
            current = []
        else:
            current.append(char)
    parts.append(unescape_text("".join(current)))
    return parts


def _decoded_value(content: ContentLine) -> str:
    """The raw value, quoted-printable decoded (vCard 2.1/3.0) in its declared charset."""
    value = content.value
    if "quoted-printable" in content.params.get("ENCODING", []):
        charset = (content.params.get("CHARSET") or ["utf-8"])[0]
        raw = quopri.decodestring(value.encode("latin-1", "replace"))
        try:
            value = raw.decode(charset)
        except (LookupError, UnicodeDecodeError):
            value = raw.decode("utf-8", "replace")
    return value


def _clean(value: str, limit: int, *, multiline: bool = False) -> str:
    value = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    if multiline:
        lines = [" ".join(line.split()) for line in value.split("\n")]
        return "\n".join(lines).strip()[:limit]
    return " ".join(value.split())[:limit]


def _preferred(contents: list[ContentLine]) -> ContentLine | None:
    if not contents:
        return None

    def rank(content: ContentLine) -> int:
        pref = content.params.get("PREF", [])
        if "pref" in content.params.get("TYPE", []) or pref:
            try:
                return int(pref[0]) if pref else 1
            except ValueError:
                return 1
        return 101

    return sorted(contents, key=rank)[0]


def _card_from(lines: list[ContentLine], start: int, warnings: list[CardWarning]) -> Card | None:
    props: dict[str, list[ContentLine]] = {}
    for content in lines:
        props.setdefault(content.name, []).append(content)
    version = (props.get("VERSION") or [ContentLine(start, "VERSION", {}, "4.0")])[0].value.strip()

    def text(name: str, limit: int, *, multiline: bool = False) -> str:
        found = props.get(name)
        if not found:
            return ""
        return _clean(unescape_text(_decoded_value(found[0])), limit, multiline=multiline)

    family = given = ""
    if props.get("N"):
        parts = [*split_escaped(_decoded_value(props["N"][0]), ";"), "", ""]
        family, given = _clean(parts[0], MAX_NAME), _clean(parts[1], MAX_NAME)
    name = text("FN", MAX_NAME) or _clean(f"{given} {family}", MAX_NAME)
    if not name:
        warnings.append(CardWarning(start, "This card has no name (FN or N): it was skipped."))
        return None
    organization = ""
    if props.get("ORG"):
        units = [_clean(u, MAX_TEXT) for u in split_escaped(_decoded_value(props["ORG"][0]), ";")]
        organization = ", ".join(u for u in units if u)[:MAX_TEXT]
    email_line = _preferred(props.get("EMAIL", []))
    email = ""
    if email_line is not None:
        email = _clean(unescape_text(_decoded_value(email_line)), MAX_EMAIL).removeprefix("mailto:")
    tel_line = _preferred(props.get("TEL", []))
    phone = ""
    if tel_line is not None:
        phone = _clean(unescape_text(_decoded_value(tel_line)), MAX_PHONE).removeprefix("tel:")
    url_line = _preferred(props.get("URL", []))
    url = _clean(_decoded_value(url_line), MAX_URL) if url_line is not None else ""
    categories: list[str] = []
    for content in props.get("CATEGORIES", []):
        for category in split_escaped(_decoded_value(content), ","):
            cleaned = _clean(category, MAX_CATEGORY)
            if cleaned and cleaned.casefold() not in {c.casefold() for c in categories}:
                categories.append(cleaned)
    return Card(
        name=name,
        family_name=family,
        given_name=given,
        organization=organization,
        title=text("TITLE", MAX_TEXT),
        email=email,
        phone=phone,
        note=text("NOTE", MAX_NOTE, multiline=True),
        categories=tuple(categories[:MAX_CATEGORIES]),
        url=url,
        line=start,
        version=version[:10],
    )


def parse_vcards(data: bytes) -> VCardFile:
    """Every card in a .vcf file. Raises VCardFormatError (see the module's rules)."""
    if len(data) > MAX_BYTES:
        raise VCardFormatError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    if not data.strip():
        raise VCardFormatError("The file is empty.")
    if b"\x00" in data[:65536]:
        raise VCardFormatError("This file is not text (it looks like a binary file).")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", "replace")  # older desktop tools write Windows-1252
    result = VCardFile()
    logical = _qp_soft_breaks(_unfold(text))
    current: list[ContentLine] | None = None
    start = 0
    for number, line in logical:
        stripped = line.strip()
        if not stripped:
            continue
        upper = stripped.upper()
        if upper == "BEGIN:VCARD":
            if current is not None:
                raise VCardFormatError(
                    f"A card starts before the card that began on line {start} ended "
                    "(END:VCARD missing).",
                    line=number,
                )
            if len(result.cards) >= MAX_CARDS:
                raise VCardFormatError(
                    f"The file has more than {MAX_CARDS:,} cards; import at most {MAX_CARDS:,} "
                    "at a time.",
                    line=number,
                )
            current, start = [], number
            continue
        if upper == "END:VCARD":
            if current is None:
                raise VCardFormatError("END:VCARD without BEGIN:VCARD.", line=number)
            card = _card_from(current, start, result.warnings)
            if card is not None:
                result.cards.append(card)
            current = None
            continue
        if current is None:
            continue  # text between cards is ignored
        content = parse_content_line(number, stripped)
        if content is not None:
            current.append(content)
    if current is not None:
        raise VCardFormatError(
            "The card that begins here never ends (END:VCARD missing).", line=start
        )
    if not result.cards and not result.warnings:
        raise VCardFormatError(
            "No vCard found: a .vcf file holds cards that begin with BEGIN:VCARD."
        )
    return result
