"""Errors raised by the pure payment rules, named after what happened."""


class PaymentsDomainError(ValueError):
    """Base class of every rule the payment domain refuses."""


class UnknownCurrency(PaymentsDomainError):
    """The currency code is not an active ISO 4217 code in our table."""


class AmountTooPrecise(PaymentsDomainError):
    """A decimal amount has more fraction digits than its currency allows."""


class CurrencyMismatch(PaymentsDomainError):
    """Two amounts in different currencies were combined."""


class InvalidSplit(PaymentsDomainError):
    """The weights or basis points of a split cannot divide an amount."""


class InvalidTrigger(PaymentsDomainError):
    """A release trigger is not one of the known kinds."""


class InvalidEntitlement(PaymentsDomainError):
    """An entitlement cannot be turned into obligations."""


class InvalidFxRate(PaymentsDomainError):
    """An exchange rate is not positive or names the wrong currencies."""


class InvalidIban(PaymentsDomainError):
    """A bank account number fails IBAN validation."""


class InvalidBic(PaymentsDomainError):
    """A bank identifier code is malformed."""


class InvalidBankFile(PaymentsDomainError):
    """A generated or received bank file breaks its ISO 20022 schema."""


class NonCanonicalValue(PaymentsDomainError):
    """A ledger record holds a value that has no canonical JSON form (a float, say)."""
