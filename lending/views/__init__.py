"""Pages of the lending lifecycle: people (and their care), the request pipeline, and loans."""
from lending.views import care, loans, mywork, people, privacy, requests

blueprints = (people.bp, care.bp, requests.bp, loans.bp, mywork.bp, privacy.bp)
