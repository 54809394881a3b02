"""What people read for the lending domain's states and kinds, in their language (lazy).

Services use these in their messages; pages and forms in their badges and choices.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from lending.models import (CareTask, Carer, Channel, ChronicCondition, DisabilityType, ItemStatus, LifeStatus, Outcome,
                            ReferralStatus, RequestStatus, Urgency)

DISABILITY_LABELS = {
    DisabilityType.VISUAL: _l("Visual"),
    DisabilityType.HEARING: _l("Hearing or communication"),
    DisabilityType.PHYSICAL: _l("Physical or mobility"),
    DisabilityType.MENTAL: _l("Mental or behavioural"),
    DisabilityType.INTELLECTUAL: _l("Intellectual"),
    DisabilityType.LEARNING: _l("Learning"),
    DisabilityType.AUTISM: _l("Autism"),
}
CHANNEL_LABELS = {
    Channel.CALL_CENTER: _l("1132 call center"), Channel.APP: _l("App"), Channel.FACEBOOK: _l("Facebook"),
    Channel.LINE: _l("LINE"), Channel.PHONE: _l("Phone"), Channel.COMMUNITY_LEADER: _l("Community leader"),
    Channel.WALK_IN: _l("Walk-in"), Channel.REFERRAL: _l("Referral (hospital, health center)"),
}
URGENCY_LABELS = {Urgency.LOW: _l("Low"), Urgency.NORMAL: _l("Normal"), Urgency.HIGH: _l("High"),
                  Urgency.URGENT: _l("Urgent")}
REQUEST_STATUS_LABELS = {
    RequestStatus.SUBMITTED: _l("New"), RequestStatus.ASSESSMENT_SCHEDULED: _l("Visit scheduled"),
    RequestStatus.ASSESSED: _l("Assessed, awaiting decision"), RequestStatus.APPROVED: _l("Approved"),
    RequestStatus.REJECTED: _l("Rejected"), RequestStatus.WAITLISTED: _l("Waitlisted"),
    RequestStatus.RESERVED: _l("Device reserved"), RequestStatus.DELIVERED: _l("Delivered, on loan"),
    RequestStatus.CLOSED: _l("Closed"), RequestStatus.CANCELLED: _l("Cancelled"),
}
ITEM_STATUS_LABELS = {
    ItemStatus.REQUESTED: _l("Awaiting decision"), ItemStatus.APPROVED: _l("Approved"),
    ItemStatus.WAITLISTED: _l("Waitlisted"), ItemStatus.RESERVED: _l("Device reserved"),
    ItemStatus.DELIVERED: _l("Delivered, on loan"), ItemStatus.RETURNED: _l("Returned"),
    ItemStatus.REJECTED: _l("Rejected"), ItemStatus.CANCELLED: _l("Cancelled"),
}
OUTCOME_LABELS = {
    Outcome.IMPROVED: _l("Improved"), Outcome.STABLE: _l("Stable"), Outcome.WORSE: _l("Worse"),
    Outcome.DIED: _l("Died"), Outcome.MOVED: _l("Moved away"), Outcome.NO_LONGER_NEEDED: _l("No longer needed"),
}
LIFE_STATUS_LABELS = {
    LifeStatus.AT_HOME: _l("Living at home"), LifeStatus.IN_HOSPITAL: _l("In hospital"),
    LifeStatus.MOVED: _l("Moved away"), LifeStatus.DECEASED: _l("Deceased"), LifeStatus.RECOVERED: _l("Recovered"),
}
CHRONIC_LABELS = {
    ChronicCondition.HYPERTENSION: _l("High blood pressure"), ChronicCondition.DIABETES: _l("Diabetes"),
    ChronicCondition.HEART_DISEASE: _l("Heart disease"), ChronicCondition.STROKE: _l("Stroke"),
    ChronicCondition.KIDNEY_DISEASE: _l("Kidney disease"), ChronicCondition.LUNG_DISEASE: _l("Lung disease (COPD)"),
    ChronicCondition.CANCER: _l("Cancer"), ChronicCondition.DEMENTIA: _l("Dementia"),
    ChronicCondition.PSYCHIATRIC: _l("Psychiatric illness"), ChronicCondition.OTHER: _l("Other chronic disease"),
}
CARE_TASK_LABELS = {
    CareTask.BLOOD_PRESSURE: _l("Blood pressure"), CareTask.BLOOD_SUGAR: _l("Blood sugar (finger prick)"),
    CareTask.TURNING: _l("Turning in bed"), CareTask.PHYSIOTHERAPY: _l("Physiotherapy"),
    CareTask.INJECTION: _l("Injections"), CareTask.FEEDING_TUBE: _l("Changing the feeding tube"),
    CareTask.URINARY_CATHETER: _l("Changing the urinary catheter"),
    CareTask.WOUND_DRESSING: _l("Dressing an infected wound"),
}
CARER_LABELS = {Carer.FAMILY: _l("Family caregiver"), Carer.VOLUNTEER: _l("Volunteer"),
                Carer.NURSE: _l("Registered nurse"), Carer.PHYSIOTHERAPIST: _l("Physiotherapist")}
REFERRAL_STATUS_LABELS = {
    ReferralStatus.REFERRED: _l("Referred"), ReferralStatus.IN_PROGRESS: _l("Being helped"),
    ReferralStatus.HELPED: _l("Helped"), ReferralStatus.DECLINED: _l("Not eligible or declined"),
    ReferralStatus.CLOSED: _l("Closed"),
}
