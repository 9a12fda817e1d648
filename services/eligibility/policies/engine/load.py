"""Read a policy document from YAML or JSON, turning validation errors into things to fix."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import ValidationError

from services.eligibility.policies.engine.document import PolicyDocument
from services.eligibility.policies.engine.errors import PolicyInvalid, PolicyProblem

PolicyFormat = Literal["yaml", "json"]

# libyaml's loader when present: the same safe subset of YAML, several times faster.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_HINTS: dict[str, str] = {
    "missing": "is required: add it",
    "extra_forbidden": "is not a known field: remove it or check its spelling",
    "int_type": "must be a whole number (amounts are integer minor units: 10000000 means 100,000.00)",
    "bool_type": "must be true or false",
    "date_from_datetime_parsing": "must be a date written YYYY-MM-DD",
    "date_parsing": "must be a date written YYYY-MM-DD",
    "date_type": "must be a date written YYYY-MM-DD",
}


def _read_yaml(text: str | bytes) -> Any:
    return yaml.load(text, Loader=_SafeLoader)  # noqa: S506 - this is the safe loader, in C when available


def _locate(raw: Any, loc: tuple[int | str, ...]) -> str:
    """Render an error location, naming tiers by id so authors find them."""
    parts: list[str] = []
    node = raw
    for step in loc:
        if isinstance(step, int):
            label = f"[{step}]"
            if isinstance(node, list) and step < len(node):
                node = node[step]
                if isinstance(node, dict) and isinstance(node.get("id"), str):
                    label = f"[{step}] ({node['id']})"
            parts.append(label)
            continue
        if not isinstance(step, str) or step.startswith(("function-", "constrained-")) or "[" in step:
            continue
        node = node.get(step) if isinstance(node, dict) else None
        parts.append(f".{step}" if parts else step)
    return "".join(parts)


def _explain(raw: Any, error: ValidationError) -> list[PolicyProblem]:
    problems = []
    for item in error.errors(include_url=False):
        message = _HINTS.get(item["type"], item["msg"]).removeprefix("Value error, ")
        problems.append(PolicyProblem(_locate(raw, tuple(item["loc"])), message))
    return problems


def parse_policy_data(raw: Any) -> PolicyDocument:
    """Validate already-parsed policy data, raising PolicyInvalid with what to fix."""
    if not isinstance(raw, dict):
        raise PolicyInvalid([PolicyProblem("", "a policy is a mapping with partner, version, tiers, ...")])
    try:
        return PolicyDocument.model_validate(raw)
    except ValidationError as error:
        raise PolicyInvalid(_explain(raw, error)) from None


def parse_policy(text: str | bytes, policy_format: PolicyFormat = "yaml") -> PolicyDocument:
    """Parse a YAML or JSON policy document, raising PolicyInvalid with what to fix."""
    try:
        raw = json.loads(text) if policy_format == "json" else _read_yaml(text)
    except (json.JSONDecodeError, yaml.YAMLError, UnicodeDecodeError) as error:
        raise PolicyInvalid(
            [PolicyProblem("", f"the document is not valid {policy_format.upper()}: {error}")]
        ) from None
    return parse_policy_data(raw)


def dump_policy(policy: PolicyDocument) -> str:
    """Write a policy as YAML with the field names authors use."""
    data = policy.model_dump(mode="json", by_alias=True, exclude_none=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def load_default_policy(partner: str) -> PolicyDocument:
    """Return the shipped default policy, made out to a partner."""
    text = resources.files("services.eligibility.policies.engine").joinpath("default_policy.yaml").read_text("utf-8")
    raw = _read_yaml(text)
    raw["partner"] = partner
    return parse_policy_data(raw)
