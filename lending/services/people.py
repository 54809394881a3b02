"""Registering and finding the people the center serves (personal and health data)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import false, or_, select
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.th import pin

from core import audit, clock
from core.concurrency import check_version
from core.db import contains_text, db
from core.errors import Conflict, NotFound, ValidationError
from core.pseudonyms import loggable_search
from core.users import User
from lending.models import ChronicCondition, ConsentRecord, ConsentSigner, DisabilityType, Person
from lending.steps import STEPS

PERSON_FIELDS = ("national_id", "title", "first_name", "last_name", "birth_date", "phone", "house_no", "moo",
                 "soi", "road", "tambon", "amphoe", "changwat", "postcode", "caregiver_name",
                 "caregiver_relation", "caregiver_phone", "disability_types", "disability_card_no",
                 "disability_card_type", "disability_card_expires_on", "chronic_conditions", "chronic_notes", "notes")
CONSENT_VERSION = "2569-1"


def normalize_national_id(raw: str | None) -> str | None:
    """Digits only, checksum-checked (d13 = (11 - sum(d_i * (14 - i))) mod 11 mod 10).

    Raises ValidationError naming ``national_id``.
    """
    if raw is None or not str(raw).strip():
        return None
    try:
        return pin.validate(str(raw))
    except StdnumError as exc:
        raise ValidationError(_l("The national ID number is not valid."), {"national_id": [
            _l("Not a Thai national ID: 13 digits, the last one a check digit of the others.")]}
                              ) from exc


def may_see_full_id(user: User) -> bool:
    return STEPS.allows(user, "see_full_id")


def get_person(person_id: int) -> Person:
    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFound(_l("There is no person %(id)d.", id=person_id), {"id": [_l("Unknown person.")]})
    return person


def _check_unique_id(national_id: str | None, exclude: int | None = None) -> None:
    if national_id is None:
        return
    query = select(Person.id).where(Person.national_id == national_id)
    if exclude is not None:
        query = query.where(Person.id != exclude)
    existing = db.session.scalar(query)
    if existing is not None:
        raise Conflict(_l("A person with this national ID is already registered."),
                       {"national_id": [_l("Already registered.")], "person_id": [str(existing)]})


def _clean(data: Mapping[str, Any]) -> dict[str, Any]:
    clean = {f: data[f] for f in PERSON_FIELDS if f in data}
    if "national_id" in clean:
        clean["national_id"] = normalize_national_id(clean["national_id"])
    for field, kind in (("disability_types", DisabilityType), ("chronic_conditions", ChronicCondition)):
        if field in clean:
            try:
                clean[field] = sorted({kind(t).value for t in clean[field] or []})
            except ValueError as exc:
                raise ValidationError(_l("Choose from the listed ones."),
                                      {field: [_l("Choose from the listed ones.")]}) from exc
    if "disability_card_type" in clean:
        try:
            clean["disability_card_type"] = DisabilityType(clean["disability_card_type"]) \
                if clean["disability_card_type"] else None
        except ValueError as exc:
            raise ValidationError(_l("Choose from the listed ones."),
                                  {"disability_card_type": [_l("Choose from the listed ones.")]}) from exc
    for field in ("disability_card_no", "chronic_notes"):
        if field in clean:
            clean[field] = (clean[field] or "").strip()
    return clean


def create_person(data: Mapping[str, Any], consent: Mapping[str, Any], *, by: User) -> Person:
    """Register a person with their PDPA consent.

    Raises ValidationError (bad ID, missing consent) or Conflict (ID already registered).
    """
    STEPS.check(by, "register_person")
    clean = _clean(data)
    if not (clean.get("first_name") or "").strip():
        raise ValidationError(_l("The first name is required."), {"first_name": [_l("This field is required.")]})
    if not consent or not (consent.get("given_by") or "").strip():
        raise ValidationError(_l("Consent is needed to register a person."),
                              {"consent": [_l("Record who gave consent (the person or their representative).")]})
    _check_unique_id(clean.get("national_id"))
    person = Person(**clean)
    person.consents = [ConsentRecord(version=consent.get("version") or CONSENT_VERSION,
                                     given_on=consent.get("given_on") or clock.today(), recorded_by_id=by.id,
                                     signer=ConsentSigner(name=consent["given_by"].strip(),
                                                          relation=consent.get("relation") or ""))]
    db.session.add(person)
    db.session.flush()
    # Field names only: the values are personal data and stay out of the audit trail.
    audit.record(by, "person.registered", "person", person.id, {"fields": sorted(k for k, v in clean.items() if v)})
    return person


def update_person(person: Person, changes: Mapping[str, Any], *, version: int | None, by: User) -> Person:
    """Raises ValidationError without a version, Conflict for a stale one or for a national ID
    registered to someone else."""
    STEPS.check(by, "edit_person")
    if person.erased_at is not None:
        raise Conflict(_l("This person's data was anonymised; it cannot be edited."), {"state": ["erased"]})
    check_version(person.version, version)
    clean = _clean(changes)
    if "first_name" in clean and not (clean["first_name"] or "").strip():
        raise ValidationError(_l("The first name is required."), {"first_name": [_l("This field is required.")]})
    _check_unique_id(clean.get("national_id"), exclude=person.id)
    changed = sorted(f for f, v in clean.items() if getattr(person, f) != v)
    for field in changed:
        setattr(person, field, clean[field])
    if changed:
        db.session.flush()
        audit.record(by, "person.updated", "person", person.id, {"fields": changed})
    return person


def search_query(q: str = "", tambon: str = "", moo: str = "", *, by: User):
    """People by name, national ID, phone or caregiver, and by area.

    Roles that see IDs masked (``see_full_id`` not theirs) find a person by the whole ID or by
    name only: a text with digits matches the 13-digit ID exactly or nothing, so the digits a
    masked ID shows cannot be completed by searching for parts of it.
    """
    query = select(Person).order_by(Person.first_name, Person.last_name, Person.id)
    q = (q or "").strip()
    if q:
        digits = "".join(ch for ch in q if ch.isdigit())
        if not may_see_full_id(by):
            query = query.where(_masked_role_match(q, digits))
        else:
            conditions = _name_conditions(q)
            if len(digits) >= 4:
                conditions += [Person.national_id.like(f"%{digits}%"), Person.phone.like(f"%{digits[-4:]}%")]
            query = query.where(or_(*conditions))
    if tambon:
        query = query.where(Person.tambon == tambon.strip())
    if moo:
        query = query.where(Person.moo == moo.strip())
    return query


def search_detail(q: str = "", tambon: str = "", moo: str = "") -> str:
    """A search as the access log keeps it (every run of digits hashed, core.pseudonyms)."""
    return loggable_search(" ".join(p for p in (q, f"tambon={tambon}" if tambon else "",
                                                f"moo={moo}" if moo else "") if p))


def _name_conditions(q: str) -> list:
    conditions = [contains_text(Person.first_name, q), contains_text(Person.last_name, q),
                  contains_text(Person.caregiver_name, q)]
    if len(q.split()) == 2:
        first, last = q.split()
        conditions.append(contains_text(Person.first_name, first) & contains_text(Person.last_name, last))
    return conditions


def _masked_role_match(q: str, digits: str):
    if not digits:
        return or_(*_name_conditions(q))
    # Digits: the whole ID, checksum and all, or nothing (no part, no phone, no name).
    return Person.national_id == digits if len(digits) == 13 and pin.is_valid(digits) else false()

