"""Bank account validation (IBAN, BIC) with schwifty."""

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from services.payments.domain.errors import InvalidBic, InvalidIban


def normalize_iban(text: str) -> str:
    """Return the IBAN in its compact form, or raise InvalidIban when checksum or format fails."""
    try:
        return str(IBAN(text).compact)
    except SchwiftyException as error:
        raise InvalidIban(f"invalid IBAN: {error}") from None


def normalize_bic(text: str) -> str:
    """Return the BIC in its compact form, or raise InvalidBic."""
    try:
        return str(BIC(text).compact)
    except SchwiftyException as error:
        raise InvalidBic(f"invalid BIC: {error}") from None
