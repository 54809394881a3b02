"""The lending domain's tables, by subject; every name is importable from ``lending.models``."""
from lending.models.loans import PICKUP_OUTCOMES, FollowUp, Loan, Outcome
from lending.models.people import (NURSE_ONLY_TASKS, OPEN_REFERRAL_STATES, CareNeed, CareTask, Carer, ChronicCondition,
                                   ConsentRecord, ConsentSigner, ConsentWithdrawal,
                                   DisabilityType, LifeStatus, Person, ReferralStatus,
                                   VolunteerZone, WelfareReferral)
from lending.models.requests import (GROUP_RANK, OPEN_ITEM_STATES, OPEN_REQUEST_STATES, RESERVABLE_ITEM_STATES,
                                     URGENCY_RANK, Assessment, Channel, DependencyGroup, ItemStatus, LendingRequest,
                                     RequestItem, RequestStatus, Urgency)
from lending.models.totals import LoanTotal

__all__ = [
    "GROUP_RANK", "NURSE_ONLY_TASKS", "OPEN_ITEM_STATES", "OPEN_REFERRAL_STATES", "OPEN_REQUEST_STATES",
    "PICKUP_OUTCOMES", "RESERVABLE_ITEM_STATES", "URGENCY_RANK", "ItemStatus", "RequestItem",
    "Assessment", "CareNeed", "CareTask", "Carer", "Channel", "ChronicCondition", "ConsentRecord", "ConsentSigner",
    "ConsentWithdrawal", "DependencyGroup",
    "DisabilityType", "FollowUp", "LendingRequest", "LifeStatus", "Loan", "LoanTotal", "Outcome", "Person",
    "ReferralStatus",
    "RequestStatus", "Urgency", "VolunteerZone", "WelfareReferral",
]
