"""Pages of the lending lifecycle: people (and their care), the request pipeline, and loans."""
from flask import url_for
from flask_babel import lazy_gettext as _l

from devices import history
from lending.views import care, loans, mywork, people, requests

blueprints = (people.bp, care.bp, requests.bp, loans.bp, mywork.bp)

# How the keys lending writes into a device's history read (devices/history.py).
history.describe("request", _l("Request"), link=lambda request_id: (
    f"#{request_id}", url_for("requests.request_view", request_id=request_id)))
history.describe("loan", _l("Loan"), link=lambda loan_id: (
    f"L-{loan_id:06d}", url_for("loans.loan_view", loan_id=loan_id)))  # Loan.number
