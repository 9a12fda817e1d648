"""A bulk upload is kept packed and read back as a stream: the same rows as its text, in a fraction of the space."""

from __future__ import annotations

import io
import json

import pytest

from services.eligibility.intake.errors import IntakeUploadUnreadable
from services.eligibility.intake.upload import PACKED, IntakeFormat, iter_rows, open_upload, pack_upload

CSV = (
    "\ufeffcategory,family_latin,given_latin,birth_date,citizenship,document_country,document_number,service_verified\r\n"
    'conscript,"Petrov, Jr.",Ivan,1999-04-01,RU,RU,75 1234567,true\r\n'
    'officer,"Sidorov\nSecond line",Pavel,1980,RU,RU,75 7654321,maybe\r\n'
    "\r\n"
    "diplomat,Smirnov,Oleg,,RU,RU,75 1111111,no\r\n"
)


def _jsonl(rows: int) -> str:
    lines = [
        json.dumps({"category": "conscript", "names": [{"script": "cyrillic", "family": f"Петров{n}"}], "n": n})
        for n in range(rows)
    ]
    return "\n".join([*lines[:2], "", "   ", "{not json", "[1]", "carriage\rreturn", *lines[2:]]) + "\n"


@pytest.mark.parametrize(("text", "intake_format"), [(CSV, "csv"), (_jsonl(50), "jsonl")])
def test_packed_rows_read_back_as_the_text_gives_them(text: str, intake_format: IntakeFormat) -> None:
    packed, total = pack_upload(text.encode(), intake_format)
    assert packed.startswith(PACKED)
    plain = text.removeprefix("\ufeff")
    expected = list(iter_rows(io.StringIO(plain), intake_format))
    assert list(iter_rows(open_upload(packed), intake_format)) == expected
    assert total == len(expected)
    # Resuming after the rows already done: the same rows from there on.
    resumed = list(iter_rows(open_upload(packed), intake_format, first=3))
    assert resumed == expected[3:]


def test_an_upload_kept_before_as_plain_text_still_reads() -> None:
    text = _jsonl(5)
    assert list(iter_rows(open_upload(text), "jsonl")) == list(iter_rows(io.StringIO(text), "jsonl"))


def test_a_large_upload_is_kept_in_a_fraction_of_its_size() -> None:
    text = _jsonl(20_000)
    packed, total = pack_upload(text.encode(), "jsonl")
    assert total == 20_000 + 3
    assert len(packed) < len(text.encode()) / 5
    assert sum(1 for _ in iter_rows(open_upload(packed), "jsonl")) == total


@pytest.mark.parametrize(
    ("content", "intake_format", "problem"),
    [
        (b"category\nconscript\n\xff\xfe broken", "csv", "not UTF-8"),
        (b"\n  \n", "jsonl", "holds no rows"),
        (b"name,surname\nx,y\n", "csv", "unknown columns name, surname"),
    ],
)
def test_an_unreadable_upload_is_refused_before_it_is_kept(
    content: bytes, intake_format: IntakeFormat, problem: str
) -> None:
    with pytest.raises(IntakeUploadUnreadable, match=problem):
        pack_upload(content, intake_format)
