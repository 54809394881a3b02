"""Pages of the lending lifecycle: people (and their care), the request pipeline, and loans."""
from lending.views import care, loans, mywork, people, requests

blueprints = (people.bp, care.bp, requests.bp, loans.bp, mywork.bp)
