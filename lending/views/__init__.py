"""Pages of the lending lifecycle: people, the request pipeline, and loans."""
from lending.views import loans, people, requests

blueprints = (people.bp, requests.bp, loans.bp)
