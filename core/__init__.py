"""Shared glue that imports no domain: database, auth, audit, errors, i18n and dates."""
