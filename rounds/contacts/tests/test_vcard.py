"""vCard 4.0 (RFC 6350): escaping, folding at 75 octets, unfolding, round trips, and cards
written by other tools (3.0, 2.1, Apple groups)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rounds.contacts.vcard import (
    Card,
    VCardFormatError,
    escape_text,
    fold,
    parse_vcards,
    unescape_text,
    write_card,
    write_cards,
)

FULL = Card(
    name="Ana María Ruiz-López",
    organization="Mercy, Inc; Springfield",
    title="Hospitalist\\Educator",
    email="ana@example.org",
    phone="+1 (555) 010-0100",
    note="Line one\nLine two, with a comma; and a semicolon — and a long tail " + "é" * 60,
    categories=("Residency, 2019", "Board"),
    url="https://example.org/members/ana/",
)


def _same(a: Card, b: Card) -> bool:
    fields = ("name", "organization", "title", "email", "phone", "note", "categories", "url")
    return all(getattr(a, f) == getattr(b, f) for f in fields)


def test_writer_emits_a_vcard_4_0_with_every_field_escaped():
    """BEGIN/VERSION/FN/N/.../END with CRLF; commas, semicolons, backslashes and newlines escaped."""
    text = write_card(FULL)
    lines = text.split("\r\n")
    assert lines[0] == "BEGIN:VCARD" and lines[1] == "VERSION:4.0"
    assert text.endswith("END:VCARD\r\n")
    unfolded = text.replace("\r\n ", "")
    assert "FN:Ana María Ruiz-López\r\n" in unfolded
    assert "N:Ruiz-López;Ana María;;;\r\n" in unfolded
    assert "ORG:Mercy\\, Inc\\; Springfield\r\n" in unfolded
    assert "TITLE:Hospitalist\\\\Educator\r\n" in unfolded
    assert "NOTE:Line one\\nLine two\\, with a comma\\; and" in unfolded
    assert "CATEGORIES:Residency\\, 2019,Board\r\n" in unfolded
    assert "URL:https://example.org/members/ana/\r\n" in unfolded
    assert "TEL;VALUE=text:+1 (555) 010-0100\r\n" in unfolded


def test_lines_fold_at_75_octets_without_splitting_characters():
    """Every physical line is at most 75 octets and decodes on its own (no split UTF-8)."""
    text = write_card(FULL)
    for line in text.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75
    folded = fold("NOTE:" + "€" * 100)
    for physical in folded.split("\r\n"):
        physical.encode("utf-8").decode("utf-8")
        assert len(physical.encode("utf-8")) <= 75
    assert folded.replace("\r\n ", "") == "NOTE:" + "€" * 100


def test_round_trip_of_several_cards():
    """What the writer writes, the reader reads back identically."""
    second = Card(name="Bo Li", email="bo@example.org")
    parsed = parse_vcards(write_cards([FULL, second]).encode())
    assert len(parsed.cards) == 2 and not parsed.warnings
    assert _same(parsed.cards[0], FULL) and _same(parsed.cards[1], second)
    assert parsed.cards[0].line == 1 and parsed.cards[1].version == "4.0"


texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from(",;\\:\n"),
    max_size=120,
)


@settings(max_examples=150, deadline=None)
@given(name=texts.filter(lambda t: t.strip() and "\n" not in t), note=texts, org=texts)
def test_any_text_survives_the_round_trip(name, note, org):
    """Escaping + folding + unfolding + unescaping is the identity on cleaned text."""
    card = Card(name=" ".join(name.split()), note=note.strip(), organization=" ".join(org.split()))
    (back,) = parse_vcards(write_card(card).encode()).cards
    assert back.name == card.name
    assert back.organization == card.organization
    assert back.note == "\n".join(" ".join(line.split()) for line in card.note.split("\n")).strip()


def test_escape_and_unescape_are_inverse():
    """Backslash escapes of RFC 6350 §3.4."""
    raw = 'a\\b,c;d\ne:"f"'
    assert unescape_text(escape_text(raw)) == raw


def test_cards_from_other_tools():
    """3.0 (Apple groups, TYPE params, pref), 2.1 quoted-printable and bare types, LF line ends,
    folding with tabs: the first preferred email/phone is kept, categories become tags."""
    data = (
        b"BEGIN:VCARD\n"
        b"VERSION:3.0\n"
        b"PRODID:-//Apple Inc.//iPhone OS 17.0//EN\n"
        b"N:Smith;John;;Dr.;\n"
        b"FN:Dr. John Smith\n"
        b"ORG:Acme Corp;Cardiology;\n"
        b"TITLE:Attending\n"
        b"item1.EMAIL;type=INTERNET;type=HOME:john.home@example.org\n"
        b"item2.EMAIL;type=INTERNET;type=WORK;type=pref:john@acme.example\n"
        b"item1.X-ABLabel:_$!<Other>!$_\n"
        b"TEL;type=CELL;type=VOICE;type=pref:(555) 123-4567\n"
        b"NOTE:Met at ACC\\, 2023.\\nLikes\n"
        b"\t running.\n"
        b"CATEGORIES:Work,Cardiology\n"
        b"PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD\n"
        b"END:VCARD\n"
        b"BEGIN:VCARD\n"
        b"VERSION:2.1\n"
        b"N:Garc=C3=ADa;Luc=C3=ADa\n"
        b"FN;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:Luc=C3=ADa Garc=C3=ADa\n"
        b"TEL;CELL;PREF:+44 20 7946 0000\n"
        b"NOTE;ENCODING=QUOTED-PRINTABLE:First line=0D=0A=\n"
        b"second line\n"
        b"END:VCARD\n"
        b"BEGIN:VCARD\r\n"
        b"VERSION:4.0\r\n"
        b"N:Okafor;Chidi;;;\r\n"
        b"TEL;VALUE=uri;TYPE=work:tel:+1-555-555-0199\r\n"
        b"EMAIL;PREF=2:second@example.org\r\n"
        b"EMAIL;PREF=1:first@example.org\r\n"
        b"END:VCARD\r\n"
    )
    apple, old, modern = parse_vcards(data).cards
    assert apple.name == "Dr. John Smith" and apple.organization == "Acme Corp, Cardiology"
    assert apple.email == "john@acme.example" and apple.phone == "(555) 123-4567"
    assert apple.note == "Met at ACC, 2023.\nLikes running."
    assert apple.categories == ("Work", "Cardiology") and apple.version == "3.0"
    assert old.name == "Lucía García" and old.phone == "+44 20 7946 0000"
    assert old.note == "First line\nsecond line"
    assert modern.name == "Chidi Okafor"  # no FN: built from N
    assert modern.phone == "+1-555-555-0199" and modern.email == "first@example.org"


@pytest.mark.parametrize(
    ("data", "line", "fragment"),
    [
        (b"", None, "empty"),
        (b"\x00\x01garbage\x00", None, "not text"),
        (b"hello world\n", None, "No vCard"),
        (b"BEGIN:VCARD\nFN:A\n", 1, "never ends"),
        (b"BEGIN:VCARD\nFN:A\nBEGIN:VCARD\nFN:B\nEND:VCARD\n", 3, "before"),
        (b"FN:A\nEND:VCARD\n", 2, "without BEGIN"),
    ],
)
def test_malformed_files_are_refused_naming_the_line(data, line, fragment):
    """Empty, binary, no card, unterminated or nested cards."""
    with pytest.raises(VCardFormatError) as caught:
        parse_vcards(data)
    assert caught.value.line == line
    assert fragment.lower() in str(caught.value).lower()


def test_a_card_without_a_name_is_skipped_with_a_warning():
    """FN and N both missing: the card is skipped, the others imported."""
    data = (
        b"BEGIN:VCARD\nVERSION:4.0\nEMAIL:x@example.org\nEND:VCARD\nBEGIN:VCARD\nFN:Bo\nEND:VCARD\n"
    )
    parsed = parse_vcards(data)
    assert [c.name for c in parsed.cards] == ["Bo"]
    assert parsed.warnings[0].line == 1
