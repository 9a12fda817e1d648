"""One condition of a tier over one applicant fact, and how it is judged."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    model_validator,
)

from services.eligibility.policies.engine.facts import (
    FACTS,
    FactName,
    FactValue,
    validate_country,
)
from shared.schemas.eligibility import Category

_OPERATORS = ("equals", "in_", "not_in", "at_least", "at_most")
_OPERATORS_BY_KIND: dict[str, tuple[str, ...]] = {
    "category": ("equals", "in_", "not_in"),
    "country": ("equals", "in_", "not_in"),
    "text": ("equals", "in_", "not_in"),
    "flag": ("equals",),
    "number": ("equals", "at_least", "at_most"),
}


def _spelled(operator: str) -> str:
    return "in" if operator == "in_" else operator


def render_value(value: FactValue) -> str:
    """Render a fact value the way a policy author writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True)
class Judgement:
    """Whether a condition held for one applicant, and the reason in words."""

    held: bool
    reason: str


class Condition(BaseModel):
    """A test of one fact: exactly one of equals, in, not_in, at_least or at_most."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    fact: FactName
    equals: StrictBool | StrictInt | StrictStr | None = None
    in_: list[StrictStr] | None = Field(default=None, alias="in", min_length=1)
    not_in: list[StrictStr] | None = Field(default=None, min_length=1)
    at_least: StrictInt | None = None
    at_most: StrictInt | None = None
    because: str | None = Field(default=None, description="Why the condition exists, shown in traces.")

    @model_validator(mode="after")
    def _check_operator_fits_fact(self) -> Self:
        spec = FACTS[self.fact]
        used = [op for op in _OPERATORS if getattr(self, op) is not None]
        allowed = _OPERATORS_BY_KIND[spec.kind]
        allowed_text = ", ".join(_spelled(op) for op in allowed)
        if len(used) != 1:
            found = ", ".join(_spelled(op) for op in used) or "none"
            hint = "; write two conditions for a range" if {"at_least", "at_most"} <= set(used) else ""
            raise ValueError(
                f"a condition on '{self.fact}' needs exactly one operator out of {allowed_text} (found: {found}){hint}"
            )
        operator = used[0]
        if operator not in allowed:
            raise ValueError(f"'{self.fact}' cannot be tested with '{_spelled(operator)}': use {allowed_text}")
        self._check_values(spec.kind, operator)
        return self

    def _check_values(self, kind: str, operator: str) -> None:
        if operator == "equals":
            expected = {"flag": bool, "number": int}.get(kind, str)
            if type(self.equals) is not expected:
                raise ValueError(
                    f"'{self.fact}' equals {render_value(self.equals)!r}: "
                    f"give a {expected.__name__} value for this fact"
                )
        values = [self.equals] if operator == "equals" else (self.in_ or self.not_in or [])
        for value in values:
            if kind == "category" and value not in set(Category):
                known = ", ".join(c.value for c in Category)
                raise ValueError(f"'{value}' is not a category: use one of {known}")
            if kind == "country" and isinstance(value, str):
                validate_country(value)

    @property
    def operator(self) -> str:
        """Return the operator's name as written in a policy."""
        return next(_spelled(op) for op in _OPERATORS if getattr(self, op) is not None)

    def describe(self) -> str:
        """Say what the condition requires, in words."""
        label = FACTS[self.fact].label
        if self.in_ is not None:
            return f"{label} is one of {', '.join(self.in_)}"
        if self.not_in is not None:
            return f"{label} is none of {', '.join(self.not_in)}"
        if self.at_least is not None:
            return f"{label} is at least {self.at_least}"
        if self.at_most is not None:
            return f"{label} is at most {self.at_most}"
        return f"{label} is {render_value(self.equals)}"

    def judge(self, value: FactValue) -> Judgement:
        """Decide whether the condition holds for a fact value; an unknown value never holds."""
        label = FACTS[self.fact].label
        if value is None:
            return Judgement(False, f"{label} is not recorded")
        shown = f"{label} is {render_value(value)}"
        if self.in_ is not None:
            held = value in self.in_
            return Judgement(held, shown if held else f"{shown}, not one of {', '.join(self.in_)}")
        if self.not_in is not None:
            held = value not in self.not_in
            return Judgement(held, shown if held else f"{shown}, which is excluded")
        if self.at_least is not None:
            held = isinstance(value, int) and value >= self.at_least
            return Judgement(held, shown if held else f"{shown}, below {self.at_least}")
        if self.at_most is not None:
            held = isinstance(value, int) and value <= self.at_most
            return Judgement(held, shown if held else f"{shown}, above {self.at_most}")
        held = value == self.equals and type(value) is type(self.equals)
        return Judgement(held, shown if held else f"{shown}, not {render_value(self.equals)}")
