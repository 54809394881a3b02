"""People, requests, assessments, loans and follow-ups: the lending lifecycle.

The package imports nothing: the app registers ``lending.views.blueprints`` and
``lending.api``, and connects ``lending.hooks``.
"""
