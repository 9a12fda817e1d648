"""Readers for the published sanctions list formats."""

from pathlib import Path

from services.eligibility.screening.engine.model import ListSource, SanctionsList
from services.eligibility.screening.engine.parsers._xml import XmlSource
from services.eligibility.screening.engine.parsers.eu import parse_eu_fsf
from services.eligibility.screening.engine.parsers.ofac import parse_ofac_sdn
from services.eligibility.screening.engine.parsers.un import parse_un_consolidated

_PARSERS = {
    ListSource.OFAC_SDN: parse_ofac_sdn,
    ListSource.EU_FSF: parse_eu_fsf,
    ListSource.UN_SC: parse_un_consolidated,
}


def parse_sanctions_list(source: XmlSource | Path, list_source: ListSource) -> SanctionsList:
    """Read a sanctions list file in the published format of the given list."""
    return _PARSERS[list_source](source)


__all__ = [
    "XmlSource",
    "parse_eu_fsf",
    "parse_ofac_sdn",
    "parse_sanctions_list",
    "parse_un_consolidated",
]
