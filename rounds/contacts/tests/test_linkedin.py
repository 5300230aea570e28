"""LinkedIn's Connections.csv: the preamble variants, encodings and line ends LinkedIn and
spreadsheets produce, and every malformed file refused with the line it fails on."""

from __future__ import annotations

import datetime as dt

import pytest

from rounds.contacts.linkedin import (
    MAX_ROWS,
    LinkedInFormatError,
    parse_connections,
    parse_date,
)

HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On"

QUOTED_NOTES = (
    'Notes:\n"When exporting your connection data, you may notice that some of the email '
    "addresses are missing. You will only see email addresses for connections who have "
    "allowed their connections to see or download their email address using this setting "
    "https://www.linkedin.com/psettings/privacy/email. You can learn more here https://www."
    'linkedin.com/help/linkedin/answer/261"\n\n'
)
UNQUOTED_NOTES = "Notes:\nSome emails are missing, see settings, privacy.\n\n"
MULTILINE_NOTES = (
    '"Notes:"\n"When exporting, ""some"" addresses are missing,\nand this note spans lines,\n'
    'with commas, and ""quotes""."\n\n'
)
ROWS = [
    'Ana,Ruiz,https://www.linkedin.com/in/anaruiz,,"Mercy Hospital, Springfield",Hospitalist,24 Aug 2023',
    'Bo,Li,https://www.linkedin.com/in/boli,bo.li@example.org,Acme Health,"Chief ""Medical"" Officer",03 Jan 2021',
    "Chidi,Okafor,https://www.linkedin.com/in/chidi,,,Student,1 Feb 2019",
]


def _file(preamble: str, rows: list[str], *, newline: str = "\n", bom: bool = False) -> bytes:
    text = preamble + HEADER + "\n" + "\n".join(rows) + "\n\n\n"
    text = text.replace("\n", newline)
    data = text.encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if bom else data


@pytest.mark.parametrize("preamble", [QUOTED_NOTES, UNQUOTED_NOTES, MULTILINE_NOTES, ""])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("bom", [False, True])
def test_preamble_variants_line_ends_and_bom_parse_the_same(preamble, newline, bom):
    """Whatever the preamble (quoted, unquoted, multi-line, none), line ends and BOM: same rows."""
    parsed = parse_connections(_file(preamble, ROWS, newline=newline, bom=bom))
    assert [(r.name, r.company, r.position, r.email) for r in parsed.rows] == [
        ("Ana Ruiz", "Mercy Hospital, Springfield", "Hospitalist", ""),
        ("Bo Li", "Acme Health", 'Chief "Medical" Officer', "bo.li@example.org"),
        ("Chidi Okafor", "", "Student", ""),
    ]
    assert parsed.rows[0].connected_on == dt.date(2023, 8, 24)
    assert parsed.rows[0].url == "https://www.linkedin.com/in/anaruiz"
    assert not parsed.warnings
    header_line = preamble.count("\n") + 1
    assert parsed.header_line == header_line
    assert [r.line for r in parsed.rows] == [header_line + 1, header_line + 2, header_line + 3]


def test_columns_in_another_order_and_without_optional_ones_are_read():
    """Older exports had no URL or email; the header's order decides, not a fixed layout."""
    data = b"Company,Position,Last Name,First Name\nMercy,Nurse,Ruiz,Ana\n"
    (row,) = parse_connections(data).rows
    assert (row.first_name, row.last_name, row.company, row.position) == (
        "Ana",
        "Ruiz",
        "Mercy",
        "Nurse",
    )
    assert row.email == "" and row.connected_on is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24 Aug 2023", dt.date(2023, 8, 24)),
        ("4 August 2023", dt.date(2023, 8, 4)),
        ("24-Aug-23", dt.date(2023, 8, 24)),
        ("2023-08-24", dt.date(2023, 8, 24)),
        ("08/24/2023", dt.date(2023, 8, 24)),
        ("31 Feb 2023", None),
        ("yesterday", None),
        ("24 Foo 2023", None),
    ],
)
def test_dates(text, expected):
    """LinkedIn's "24 Aug 2023" and the usual spreadsheet rewrites; impossible dates are None."""
    assert parse_date(text) == expected


def test_a_bad_date_keeps_the_row_with_a_warning_naming_the_line():
    """Decision: the row is imported without the date; the warning names the line."""
    parsed = parse_connections(_file("", ["Ana,Ruiz,,,Mercy,Nurse,someday"]))
    assert parsed.rows[0].connected_on is None
    assert parsed.warnings[0].line == 2 and "someday" in parsed.warnings[0].message


def test_invalid_email_and_url_are_dropped_with_warnings_and_nameless_rows_skipped():
    """Bad values never reach the notebook; rows without any name are skipped with a warning."""
    parsed = parse_connections(
        _file(
            "",
            [
                "Ana,Ruiz,javascript:alert(1),not-an-email,Mercy,Nurse,",
                ",,https://www.linkedin.com/in/x,,Acme,CEO,1 Jan 2020",
            ],
        )
    )
    (row,) = parsed.rows
    assert row.email == "" and row.url == ""
    assert [w.line for w in parsed.warnings] == [2, 2, 3]


def test_long_values_and_control_characters_are_trimmed():
    """Values are capped and cleaned of control characters."""
    parsed = parse_connections(_file("", [f"Ana\x07,Ruiz,,,{'M' * 500},Nurse,"]))
    row = parsed.rows[0]
    assert row.first_name == "Ana" and len(row.company) == 200


@pytest.mark.parametrize(
    ("data", "line", "fragment"),
    [
        (b"", None, "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), None, "binary"),
        (b"Name,Email\nAna,ana@example.org\n", None, "no header"),
        (b"First Name,Last Name,Email\nAna,Ruiz,a@b.org\n", 1, "Company"),
        (
            (HEADER + "\nAna,Ruiz,u,e,Mercy, Inc,Nurse,1 Jan 2020,extra\n").encode(),
            2,
            "fields",
        ),
        ((HEADER + '\nAna,"Ruiz,,,Mercy,Nurse,\n').encode(), 2, "quote"),
        ((HEADER + "\nAna,Ruiz,,,Caf\xe9,Nurse,\n").encode("latin-1"), 2, "UTF-8"),
    ],
)
def test_malformed_files_are_refused_naming_the_line(data, line, fragment):
    """No header, wrong columns, binary garbage, stray quotes, extra fields, wrong encoding."""
    with pytest.raises(LinkedInFormatError) as caught:
        parse_connections(data)
    assert caught.value.line == line
    assert fragment.lower() in str(caught.value).lower()
    if line:
        assert str(caught.value).startswith(f"Line {line}:")


def test_too_many_rows_is_refused_at_the_first_extra_row():
    """At most 30,000 connections per file: the error names the line of row 30,001."""
    rows = [f"A{i},B,,,C,D," for i in range(MAX_ROWS + 1)]
    with pytest.raises(LinkedInFormatError) as caught:
        parse_connections(_file("", rows))
    assert caught.value.line == MAX_ROWS + 2


def test_too_large_files_are_refused_before_parsing():
    """Over 5 MB is refused without reading rows."""
    with pytest.raises(LinkedInFormatError, match="5 MB"):
        parse_connections(b"x" * (5 * 1024 * 1024 + 1))
