"""Option fields and tabs: read a submitted form, validate it against live lists, store it.

A tab is a :class:`TabSpec`: its fields plus a ``rules`` function for what involves more
than one field. :meth:`TabSpec.check` returns an :class:`Outcome`; nothing is stored unless
it has no errors, so a failed save changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cwqbo.options.lists import NOUN, SYSTEM, Choice

BOOL, CHOICE, REF, TEXT = "bool", "choice", "ref", "text"
TRUE_WORDS = {"y", "on", "1", "true", "yes"}
FORM_ERROR = "_form"  # the key of an error about the whole tab


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str
    hint: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    source: str = ""  # REF: the live list (cwqbo.options.lists names)
    types: tuple[str, ...] = ()  # REF to accounts: the allowed QBO AccountTypes
    required: bool = False
    parent: str = ""  # a BOOL field this one depends on (shown under it)
    stored: bool = True  # False for confirmations that are checked, not kept
    max_length: int = 255
    default: str = ""  # the value of a field a form leaves out (a choice added later)

    @property
    def noun(self) -> str:
        return NOUN.get(self.source, "value")

    @property
    def system(self) -> str:
        return SYSTEM.get(self.source, "")


@dataclass
class Outcome:
    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def article(word: str) -> str:
    return ("an " if word[:1].lower() in "aeiou" else "a ") + word


def types_phrase(types: tuple[str, ...]) -> str:
    return article(" or ".join(types)) + " account"


def read_form(fields: tuple[Field, ...], form: Mapping[str, str]) -> dict[str, Any]:
    """Return the submitted value of each field (bools from checkboxes, ids as strings)."""
    raw: dict[str, Any] = {}
    for f in fields:
        if f.kind == BOOL:
            raw[f.name] = str(form.get(f.name, "")).strip().lower() in TRUE_WORDS
        else:
            raw[f.name] = str(form.get(f.name, "") or "").strip() or f.default
    return raw


def check_ref(
    f: Field,
    raw_id: str,
    lists: Mapping[str, list[Choice]],
    problems: Mapping[str, str],
    saved: tuple[str, str] | None,
) -> tuple[tuple[str, str] | None, str | None]:
    """Return (value, error) for a reference field."""
    if not raw_id:
        return None, (f"Choose {article(f.noun)}." if f.required else None)
    if f.source not in lists:
        if saved and saved[0] == raw_id:
            return saved, None  # unchanged: nothing to look up
        problem = problems.get(f.source, f"The {f.system} list could not be loaded.")
        return (raw_id, raw_id), problem
    found = next((c for c in lists[f.source] if c.id == raw_id), None)
    if found is None:
        name = saved[1] if saved and saved[0] == raw_id else f"The chosen {f.noun}"
        return (raw_id, name), (
            f"{name} no longer exists in {f.system} (or is inactive). Choose another {f.noun}."
        )
    if f.types and found.type not in f.types:
        return found.as_ref(), (
            f"{found.name} is {article(found.type)} account; choose {types_phrase(f.types)}."
        )
    return found.as_ref(), None


def stale_errors(
    fields: tuple[Field, ...], values: Mapping[str, Any], lists: Mapping[str, list[Choice]]
) -> dict[str, str]:
    """Return an error for each saved reference that no longer exists or has the wrong type."""
    errors = {}
    for f in fields:
        saved = values.get(f.name)
        if f.kind != REF or not saved or f.source not in lists:
            continue
        _, error = check_ref(f, saved[0], lists, {}, saved)
        if error:
            errors[f.name] = f"Saved earlier: {error}"
    return errors


Rules = Callable[[dict[str, Any], dict[str, Any], Any], dict[str, str]]


@dataclass(frozen=True)
class TabSpec:
    """One option tab: its fields, cross-field rules, and where the values are kept."""

    slug: str
    label: str
    order: int
    fields: tuple[Field, ...]
    rules: Rules | None = None

    @property
    def by_name(self) -> dict[str, Field]:
        return {f.name: f for f in self.fields}

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f.source for f in self.fields if f.kind == REF))

    def read(self, form: Mapping[str, str]) -> dict[str, Any]:
        return read_form(self.fields, form)

    def values_from(self, options, config) -> dict[str, Any]:
        """Return the saved values (references as (id, name) tuples)."""
        values: dict[str, Any] = {}
        for f in self.fields:
            if not f.stored:
                values[f.name] = False if f.kind == BOOL else ""
            elif f.kind == REF:
                values[f.name] = options.ref(f.name)
            else:
                values[f.name] = getattr(options, f.name)
        return values

    def apply(self, options, config, values: Mapping[str, Any]) -> None:
        """Store checked values."""
        for f in self.fields:
            if not f.stored:
                continue
            if f.kind == REF:
                options.set_ref(f.name, values[f.name])
            else:
                setattr(options, f.name, values[f.name])

    def check(
        self,
        raw: Mapping[str, Any],
        saved: Mapping[str, Any],
        lists: Mapping[str, list[Choice]],
        problems: Mapping[str, str],
        company: Any,
    ) -> Outcome:
        """Validate submitted values; ``company`` is the configuration (country, preferences)."""
        outcome = Outcome(values={})
        for f in self.fields:
            value, error = raw[f.name], None
            if f.kind == CHOICE and value not in dict(f.choices):
                error = "Choose one of: " + ", ".join(label for _, label in f.choices) + "."
            elif f.kind == TEXT:
                if f.required and not value:
                    error = f"Give the {f.label.lower()}."
                elif len(value) > f.max_length:
                    error = f"Keep it to {f.max_length} characters."
            elif f.kind == REF:
                value, error = check_ref(f, value, lists, problems, saved.get(f.name))
            outcome.values[f.name] = value
            if error:
                outcome.errors[f.name] = error
        if self.rules is not None:
            for name, error in self.rules(outcome.values, dict(saved), company).items():
                outcome.errors.setdefault(name, error)
        unavailable = [p for s, p in problems.items() if p in outcome.errors.values()]
        if unavailable:
            outcome.errors.setdefault(FORM_ERROR, unavailable[0])
        return outcome
