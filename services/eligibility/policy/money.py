"""Currency codes, minor-unit formatting and exact splitting of amounts."""

from __future__ import annotations

import pycountry

# ISO 4217 minor-unit exponents that differ from the usual 2 decimals.
_EXPONENTS: dict[str, int] = {
    **dict.fromkeys(
        [
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ],
        0,
    ),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    **dict.fromkeys(["CLF", "UYW"], 4),
}

# Codes ISO 4217 lists without a minor unit (metals, funds, testing): not money we can pay.
_NO_MINOR_UNIT = frozenset(
    [
        "XAG",
        "XAU",
        "XBA",
        "XBB",
        "XBC",
        "XBD",
        "XDR",
        "XPD",
        "XPT",
        "XSU",
        "XTS",
        "XUA",
        "XXX",
    ]
)

BASIS_POINTS_WHOLE = 10_000


class UnknownCurrency(ValueError):
    """The code is not an ISO 4217 currency that can be paid in minor units."""


def validate_currency(code: str) -> str:
    """Return the code if it is a payable ISO 4217 currency, else raise UnknownCurrency."""
    if len(code) != 3 or not code.isalpha() or not code.isupper():
        raise UnknownCurrency(f"'{code}' is not an ISO 4217 code: use three capital letters such as USD or EUR")
    if code in _NO_MINOR_UNIT or pycountry.currencies.get(alpha_3=code) is None:
        raise UnknownCurrency(f"'{code}' is not a payable ISO 4217 currency: use a code such as USD or EUR")
    return code


def currency_exponent(code: str) -> int:
    """Return how many decimal places one major unit of the currency has."""
    return _EXPONENTS.get(code, 2)


def format_money(amount_minor: int, currency: str) -> str:
    """Render an amount in minor units for people, e.g. 'USD 100,000.00'."""
    exponent = currency_exponent(currency)
    sign = "-" if amount_minor < 0 else ""
    major, minor = divmod(abs(amount_minor), 10**exponent)
    text = f"{major:,}"
    if exponent:
        text += f".{minor:0{exponent}d}"
    return f"{currency} {sign}{text}"


def split_by_basis_points(total_minor: int, shares_bp: list[int]) -> list[int]:
    """Split a total by shares that sum to 10,000 basis points; the parts always sum to the total.

    Each part is rounded down and the leftover minor units go to the parts with the largest
    remainders (earlier parts first on ties), so the split is exact and deterministic.
    """
    if sum(shares_bp) != BASIS_POINTS_WHOLE:
        raise ValueError(f"shares must sum to {BASIS_POINTS_WHOLE} basis points, not {sum(shares_bp)}")
    floors = [total_minor * bp // BASIS_POINTS_WHOLE for bp in shares_bp]
    remainders = [total_minor * bp % BASIS_POINTS_WHOLE for bp in shares_bp]
    leftover = total_minor - sum(floors)
    by_remainder = sorted(range(len(shares_bp)), key=lambda i: (-remainders[i], i))
    for index in by_remainder[:leftover]:
        floors[index] += 1
    return floors
