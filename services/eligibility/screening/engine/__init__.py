"""Sanctions screening: read the published lists, index them, and screen an applicant against them.

Pure domain code: no database, no web framework. The eligibility service stores lists and hits; this
package only reads, indexes and scores.

Reading lists (streaming with lxml `iterparse`, one record in memory at a time)::

    parse_ofac_sdn(source: XmlSource) -> SanctionsList            # OFAC `sdn.xml`
    parse_eu_fsf(source: XmlSource) -> SanctionsList              # EU FSF `xmlFullSanctionsList_1_1`
    parse_un_consolidated(source: XmlSource) -> SanctionsList     # UN SC `consolidated.xml`
    parse_sanctions_list(source: XmlSource | Path, list_source: ListSource) -> SanctionsList

`XmlSource` is a path or a binary file object. A file that is not well-formed, has the wrong root element,
or (OFAC) holds fewer entries than it announces raises `SanctionsListUnreadable`.

Screening::

    build_screening_index(lists: Iterable[SanctionsList]) -> ScreeningIndex
    screen_subject(index: ScreeningIndex | None, subject: ScreeningSubject, *,
                   min_score: float = REVIEW_THRESHOLD) -> list[ScreeningHit]
    ScreeningIndex.screen(subject, *, min_score=REVIEW_THRESHOLD) -> list[ScreeningHit]
    ScreeningIndex.versions -> dict[ListSource, str]     # compare after a reload to decide on re-screening
    ScreeningIndex.entry_count -> int

Screening fails closed: `build_screening_index([])` and `screen_subject(None, ...)` raise
`NoSanctionsListLoaded`; a list without entries, or lists without a single person, raise
`SanctionsListEmpty`. Both are `ScreeningUnavailable`, which callers must treat as "not cleared", never as
"no hits". A subject without any usable name raises `SubjectNameMissing`. Every error here is a
`ScreeningError`. Only persons on the lists are screened; organisations, vessels and aircraft are not.

`ScreeningSubject(names, birth_date=None, documents=(), citizenship=None)` takes every spelling of the
applicant's name in any script, a birth date as far as it is known (a `date`, a partial `BirthDate` or None),
`SubjectDocument`s keyed with the same `document_key` the index was built with (`plain_document_key` by
default; the service passes its keyed hash) and the citizenship. A later `SanctionsList` of the same
`ListSource` replaces an earlier one in the index.

Each `ScreeningHit(entry, score, confident, subject_name, listed_name, explanation, excluded)` carries the
list entry, a `score` in [0, 1], `confident`, the two names that met, an `explanation` in plain sentences, and
`excluded` for a namesake whose full birth date contradicts the list (kept for the record, never blocking);
hits below `min_score` (default `REVIEW_THRESHOLD`, 0.5) are not returned, blocking ones come first. The rules
(look-alike folding, phonetic skeletons across romanisations, birth dates, name commonness, documents,
nationality) are in `matching.py`, `name_comparison.py` and `evidence.py`, and in the service guide.
"""

from services.eligibility.screening.engine.dates import parse_partial_date
from services.eligibility.screening.engine.errors import (
    NoSanctionsListLoaded,
    SanctionsListEmpty,
    SanctionsListUnreadable,
    ScreeningError,
    ScreeningUnavailable,
    SubjectNameMissing,
)
from services.eligibility.screening.engine.evidence import CONFIDENT_THRESHOLD, REVIEW_THRESHOLD
from services.eligibility.screening.engine.index import (
    ScreeningIndex,
    build_screening_index,
    plain_document_key,
    screen_subject,
)
from services.eligibility.screening.engine.matching import ScreeningHit
from services.eligibility.screening.engine.model import (
    BirthDate,
    ListedDocument,
    ListedName,
    ListEntry,
    ListSource,
    SanctionsList,
    ScreeningSubject,
    SubjectDocument,
    SubjectKind,
)
from services.eligibility.screening.engine.parsers import (
    XmlSource,
    parse_eu_fsf,
    parse_ofac_sdn,
    parse_sanctions_list,
    parse_un_consolidated,
)

__all__ = [
    "CONFIDENT_THRESHOLD",
    "REVIEW_THRESHOLD",
    "BirthDate",
    "ListEntry",
    "ListSource",
    "ListedDocument",
    "ListedName",
    "NoSanctionsListLoaded",
    "SanctionsList",
    "SanctionsListEmpty",
    "SanctionsListUnreadable",
    "ScreeningError",
    "ScreeningHit",
    "ScreeningIndex",
    "ScreeningSubject",
    "ScreeningUnavailable",
    "SubjectDocument",
    "SubjectKind",
    "SubjectNameMissing",
    "XmlSource",
    "build_screening_index",
    "parse_eu_fsf",
    "parse_ofac_sdn",
    "parse_partial_date",
    "parse_sanctions_list",
    "parse_un_consolidated",
    "plain_document_key",
    "screen_subject",
]
