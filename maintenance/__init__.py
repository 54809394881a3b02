"""Work orders, checklists and costs: the cleaning gate between users, repairs, retirement,
preventive service and reissue.

The package imports nothing: the app registers ``maintenance.views`` and ``maintenance.api``,
and connects ``maintenance.hooks``.
"""
