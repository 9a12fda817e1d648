"""A screening process indexes an uploaded list without reading it again, whichever process read it."""

from __future__ import annotations

import gzip
from datetime import date
from typing import Any

import pytest

from services.eligibility.screening.engine import (
    ScreeningIndex,
    ScreeningSubject,
    plain_document_key,
)
from services.eligibility.screening.lists import pool
from tests.eligibility.screening.conftest import DATA


def never(*args: Any) -> Any:
    raise AssertionError("the list was parsed again")


def test_the_process_that_read_an_upload_and_any_other_index_it_without_parsing_it_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("os.nice", lambda increment: 0)
    monkeypatch.setattr(pool, "_document_key", None)
    monkeypatch.setattr(pool, "_index", None)
    monkeypatch.setattr(pool, "_parsed", {})
    monkeypatch.setattr("gc.freeze", lambda: None)
    pool._start(plain_document_key)
    content = (DATA / "ofac_sdn_sample.xml").read_bytes()
    upload = pool._parse_upload("ofac_sdn", content)
    assert upload.entry_count > 0
    key = (("ofac_sdn", "list-1"),)
    monkeypatch.setattr(pool, "parse_sanctions_list", never)
    # The process that read it keeps it; another is handed the pickled copy.
    assert pool._build(key, [("ofac_sdn", upload.packed)], {})
    reader = pool._screen(key, [ScreeningSubject(("Sergei Kuzhugetovich Shoigu",))])
    pool._parsed.clear()
    assert pool._build(key, [("ofac_sdn", upload.packed)], {upload.digest: upload.pickled})
    other = pool._screen(key, [ScreeningSubject(("Sergei Kuzhugetovich Shoigu",))])
    assert reader == other
    assert reader[0]
    # Content it was not handed is read (and here refused, as the stand-in parser says).
    pool._parsed.clear()
    with pytest.raises(AssertionError, match="parsed again"):
        pool._build(key, [("ofac_sdn", upload.packed)], {})
    # A process asked for another list version than it holds refuses to screen.
    with pytest.raises(pool.ScreeningPoolFailed):
        pool._screen((("ofac_sdn", "list-2"),), [ScreeningSubject(("Anyone",))])


async def test_a_real_screening_process_finds_the_hits_the_index_finds_in_process(sample_index: ScreeningIndex) -> None:
    stored = [
        (source, gzip.compress(path.read_bytes()))
        for source, path in (
            ("ofac_sdn", DATA / "ofac_sdn_sample.xml"),
            ("eu_fsf", DATA / "eu_fsf_sample.xml"),
            ("un_sc", DATA / "un_consolidated_sample.xml"),
        )
    ]
    subjects = [
        ScreeningSubject(names, born)
        for names, born in (
            (("Sergei Kuzhugetovich Shoigu",), date(1955, 5, 21)),
            (("Шойгу Сергей Кужугетович",), None),
            (("Schoigu",), None),
            (("Olga Smirnova",), date(1980, 1, 1)),
            (("Sergei Shoigu",), date(1961, 2, 3)),
        )
    ]
    key = (("eu_fsf", "2"), ("ofac_sdn", "1"), ("un_sc", "3"))
    screening = pool.ScreeningPool(1, plain_document_key)
    try:
        assert await screening.build(key, stored)
        remote = await screening.screen(key, subjects)
    finally:
        screening.close()
    here = [sample_index.screen(subject) for subject in subjects]
    assert any(here)
    # Equal scores may come in another order (the other process hashes strings with another seed).
    assert [sorted(hits, key=repr) for hits in remote if hits is not None] == [sorted(hits, key=repr) for hits in here]
