"""Pagination of the JSON API's lists: flask-smorest's ``page`` and ``page_size`` over a select."""
from __future__ import annotations

from flask_smorest import Page
from sqlalchemy import func, select

from core.db import db

MAX_OFFSET = 2**31


class SelectPage(Page):
    """flask-smorest pagination over a SQLAlchemy select (``@bp.paginate(SelectPage, ...)``)."""

    @property
    def item_count(self):
        return db.session.scalar(select(func.count()).select_from(self.collection.order_by(None).subquery()))

    @property
    def items(self):
        first = self.page_params.first_item
        if first > MAX_OFFSET:  # past any real list, and past what the database's integers hold
            return []
        return list(db.session.scalars(self.collection.offset(first).limit(self.page_params.page_size)))


def page_of(query, page_params) -> list:
    """One page of ``query`` for a view that pages itself (``@bp.paginate()`` with no Page class,
    taking ``pagination_parameters``): the items, and the total set for the page headers.
    Lets the view see the rows it shows, e.g. to log access to each."""
    page = SelectPage(query, page_params)
    page_params.item_count = page.item_count
    return page.items
