"""Maintenance services: work orders (the cleaning gate, checklists, costs, reissue),
repair-or-retire decisions, preventive service, and the figures of what upkeep costs.

Each public function is one step: it takes the acting user, checks the state and the
rules, writes the audit event and flushes; the caller commits once.
"""
from maintenance.services.figures import device_figures, type_figures
from maintenance.services.orders import (SERVICE_KINDS, add_part, at_home, cancel,
                                         checklist_for, complete, get_order, may_work_on,
                                         open_order, open_orders, orders_query, start, triage, wait_for_parts)
from maintenance.services.preventive import ServiceDue, service_due, service_due_for
from maintenance.services.retirement import (RETIRABLE, RETIRE_SHARE_PERCENT, approved_for,
                                             decide, estimate_share_percent, get_request, pending_for,
                                             request_retirement, requests_query, retire_suggested,
                                             retire_threshold_satang, set_estimate)

__all__ = [
    "RETIRABLE", "RETIRE_SHARE_PERCENT", "SERVICE_KINDS",
    "ServiceDue", "add_part", "approved_for", "at_home", "cancel", "checklist_for", "complete",
    "decide", "device_figures", "estimate_share_percent", "get_order", "get_request", "may_work_on", "open_order",
    "open_orders", "orders_query", "pending_for", "request_retirement", "requests_query", "retire_suggested",
    "retire_threshold_satang", "service_due", "service_due_for", "set_estimate", "start", "triage",
    "type_figures", "wait_for_parts",
]
