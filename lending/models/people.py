"""People served: their record, life status, consent to PDPA, care plan and welfare referrals."""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (JSON, CheckConstraint, Date, ForeignKey, Index, Integer, String,
                        Text, UniqueConstraint)
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import UTCDateTime, db, enum_column, make_append_only, utcnow
from core.users import User


class DisabilityType(enum.StrEnum):
    """The seven types of disability of Thai law (ประกาศกระทรวงการพัฒนาสังคมฯ)."""

    VISUAL = "visual"
    HEARING = "hearing"
    PHYSICAL = "physical"
    MENTAL = "mental"
    INTELLECTUAL = "intellectual"
    LEARNING = "learning"
    AUTISM = "autism"


class LifeStatus(enum.StrEnum):
    """Where the person is in life, as the center last learned it."""

    AT_HOME = "at_home"
    IN_HOSPITAL = "in_hospital"
    MOVED = "moved"
    DECEASED = "deceased"
    RECOVERED = "recovered"


class ChronicCondition(enum.StrEnum):
    HYPERTENSION = "hypertension"
    DIABETES = "diabetes"
    HEART_DISEASE = "heart_disease"
    STROKE = "stroke"
    KIDNEY_DISEASE = "kidney_disease"
    LUNG_DISEASE = "lung_disease"
    CANCER = "cancer"
    DEMENTIA = "dementia"
    PSYCHIATRIC = "psychiatric"
    OTHER = "other"


class CareTask(enum.StrEnum):
    """The care plan's tasks at home (the seed report's list); the last four only a nurse does."""

    BLOOD_PRESSURE = "blood_pressure"
    BLOOD_SUGAR = "blood_sugar"
    TURNING = "turning"
    PHYSIOTHERAPY = "physiotherapy"
    INJECTION = "injection"
    FEEDING_TUBE = "feeding_tube"
    URINARY_CATHETER = "urinary_catheter"
    WOUND_DRESSING = "wound_dressing"


NURSE_ONLY_TASKS = (CareTask.INJECTION, CareTask.FEEDING_TUBE, CareTask.URINARY_CATHETER, CareTask.WOUND_DRESSING)


class Carer(enum.StrEnum):
    FAMILY = "family"
    VOLUNTEER = "volunteer"
    NURSE = "nurse"
    PHYSIOTHERAPIST = "physiotherapist"


class ReferralStatus(enum.StrEnum):
    REFERRED = "referred"
    IN_PROGRESS = "in_progress"
    HELPED = "helped"
    DECLINED = "declined"
    CLOSED = "closed"


OPEN_REFERRAL_STATES = (ReferralStatus.REFERRED, ReferralStatus.IN_PROGRESS)


class Person(db.Model):
    """Someone the center serves. Personal and health data: see who may read it in services."""

    __tablename__ = "people"
    __table_args__ = (
        CheckConstraint("national_id IS NULL OR length(national_id) = 13", name="national_id_13_digits"),
        Index("ix_people_area", "tambon", "moo"),
        # The name search reads the names here, in the list's order, not from the wide rows.
        Index("ix_people_names", "first_name", "last_name", "caregiver_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    national_id: Mapped[str | None] = mapped_column(String(13), unique=True)
    title: Mapped[str] = mapped_column(String(40), default="")
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80), default="")
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    # Kept when the person's data is anonymised (erased_at set): the year alone, for age groups.
    birth_year: Mapped[int | None] = mapped_column(Integer)
    phone: Mapped[str] = mapped_column(String(32), default="")
    house_no: Mapped[str] = mapped_column(String(40), default="")
    moo: Mapped[str] = mapped_column(String(10), default="")
    soi: Mapped[str] = mapped_column(String(80), default="")
    road: Mapped[str] = mapped_column(String(80), default="")
    tambon: Mapped[str] = mapped_column(String(80), default="")
    amphoe: Mapped[str] = mapped_column(String(80), default="")
    changwat: Mapped[str] = mapped_column(String(80), default="")
    postcode: Mapped[str] = mapped_column(String(5), default="")
    caregiver_name: Mapped[str] = mapped_column(String(120), default="")
    caregiver_relation: Mapped[str] = mapped_column(String(60), default="")
    caregiver_phone: Mapped[str] = mapped_column(String(32), default="")
    disability_types: Mapped[list] = mapped_column(JSON, default=list)
    # The Thai disability card (บัตรประจำตัวคนพิการ).
    disability_card_no: Mapped[str] = mapped_column(String(20), default="")
    disability_card_type: Mapped[DisabilityType | None] = enum_column(DisabilityType)
    disability_card_expires_on: Mapped[dt.date | None] = mapped_column(Date)
    chronic_conditions: Mapped[list] = mapped_column(JSON, default=list)
    chronic_notes: Mapped[str] = mapped_column(String(300), default="")
    life_status: Mapped[LifeStatus] = enum_column(LifeStatus, default=LifeStatus.AT_HOME, index=True)
    life_status_on: Mapped[dt.date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the person's identifying data was anonymised (PDPA s.33); lending.services.erasure.
    erased_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    consents: Mapped[list[ConsentRecord]] = relationship(back_populates="person", order_by="ConsentRecord.id")
    care_needs: Mapped[list[CareNeed]] = relationship(back_populates="person", order_by="CareNeed.id",
                                                      cascade="all, delete-orphan")
    referrals: Mapped[list[WelfareReferral]] = relationship(back_populates="person",
                                                            order_by="WelfareReferral.id")

    __mapper_args__ = {"version_id_col": version}

    @property
    def full_name(self) -> str:
        if self.erased_at is not None:
            return str(_l("Anonymised person %(id)s", id=self.id))
        return " ".join(p for p in (f"{self.title}{self.first_name}", self.last_name) if p)

    @property
    def address(self) -> str:
        parts = [self.house_no, f"หมู่ {self.moo}" if self.moo else "", f"ซอย{self.soi}" if self.soi else "",
                 f"ถนน{self.road}" if self.road else "", f"ตำบล{self.tambon}" if self.tambon else "",
                 f"อำเภอ{self.amphoe}" if self.amphoe else "", f"จังหวัด{self.changwat}" if self.changwat else "",
                 self.postcode]
        return " ".join(p for p in parts if p)

    @property
    def masked_national_id(self) -> str:
        if not self.national_id:
            return ""
        n = self.national_id
        return f"x-xxxx-xxxxx-{n[10:12]}-{n[12]}"

    @property
    def has_consent(self) -> bool:
        """A consent given and not withdrawn; giving consent again adds a new record."""
        return self.erased_at is None and any(c.withdrawal is None for c in self.consents)

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    @property
    def is_deceased(self) -> bool:
        return self.life_status == LifeStatus.DECEASED

    def age_on(self, day: dt.date) -> int | None:
        if self.birth_date is None:
            return day.year - self.birth_year if self.birth_year else None
        return day.year - self.birth_date.year - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))


class CareNeed(db.Model):
    """One task of the person's care plan at home, and who does it."""

    __tablename__ = "care_needs"
    __table_args__ = (UniqueConstraint("person_id", "task", name="uq_care_needs_person_task"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    task: Mapped[CareTask] = enum_column(CareTask)
    done_by: Mapped[Carer] = enum_column(Carer)
    how_often: Mapped[str] = mapped_column(String(80), default="")
    notes: Mapped[str] = mapped_column(String(500), default="")

    person: Mapped[Person] = relationship(back_populates="care_needs")


class WelfareReferral(db.Model):
    """A referral to the municipality's social welfare division (economic hardship and the like)."""

    __tablename__ = "welfare_referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[ReferralStatus] = enum_column(ReferralStatus, default=ReferralStatus.REFERRED, index=True)
    outcome: Mapped[str] = mapped_column(Text, default="")
    referred_on: Mapped[dt.date] = mapped_column(Date)
    referred_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    person: Mapped[Person] = relationship(back_populates="referrals")
    referred_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REFERRAL_STATES


class ConsentRecord(db.Model):
    """PDPA consent to keep and use the person's data for this service.

    Append-only (the database refuses UPDATE and DELETE): a withdrawal is a row of its own
    (``ConsentWithdrawal``) and consent given again is a new record. Who signed is personal
    data and lives apart, in ``ConsentSigner``, so that erasure can blank it while the record
    of what was consented, and when, stays as it was.
    """

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    version: Mapped[str] = mapped_column(String(20))
    given_on: Mapped[dt.date] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    person: Mapped[Person] = relationship(back_populates="consents")
    signer: Mapped[ConsentSigner | None] = relationship(uselist=False, lazy="joined")
    withdrawal: Mapped[ConsentWithdrawal | None] = relationship(uselist=False, lazy="joined")

    @property
    def given_by(self) -> str:
        return self.signer.name if self.signer is not None else ""

    @property
    def relation(self) -> str:
        return self.signer.relation if self.signer is not None else ""

    @property
    def withdrawn_at(self) -> dt.datetime | None:
        return self.withdrawal.withdrawn_at if self.withdrawal is not None else None


class ConsentSigner(db.Model):
    """Who gave a consent (the person or their representative): blanked when the person is erased."""

    __tablename__ = "consent_signers"

    consent_id: Mapped[int] = mapped_column(ForeignKey("consent_records.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    relation: Mapped[str] = mapped_column(String(60), default="")


class ConsentWithdrawal(db.Model):
    """A consent withdrawn (append-only): from then on no new request and no new use of the data
    beyond what the law allows (an open loan continues as a contract)."""

    __tablename__ = "consent_withdrawals"

    id: Mapped[int] = mapped_column(primary_key=True)
    consent_id: Mapped[int] = mapped_column(ForeignKey("consent_records.id"), unique=True)
    withdrawn_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


make_append_only(ConsentRecord.__table__)
make_append_only(ConsentWithdrawal.__table__)


class VolunteerZone(db.Model):
    """A moo (village) a volunteer covers: the follow-up visits there are theirs."""

    __tablename__ = "volunteer_zones"
    __table_args__ = (UniqueConstraint("user_id", "tambon", "moo", name="uq_volunteer_zones_user_area"),
                      Index("ix_volunteer_zones_area", "tambon", "moo"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    tambon: Mapped[str] = mapped_column(String(80))
    moo: Mapped[str] = mapped_column(String(10))

    user: Mapped[User] = relationship()
