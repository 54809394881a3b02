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


class WindowPage:
    """One page of an HTML list with the list's total, for a text search that no index can
    answer: the ids of the page and the count come from one scan (``count(*) OVER ()``, of a
    covering index where there is one), then the page's rows by primary key. Has what the
    pager macro reads (as Flask-SQLAlchemy's page)."""

    def __init__(self, query, page: int, per_page: int):
        self.page, self.per_page = page, per_page
        entity = query.column_descriptions[0]["entity"]
        first = (page - 1) * per_page
        rows = [] if first > MAX_OFFSET else db.session.execute(
            query.with_only_columns(entity.id, func.count().over()).limit(per_page).offset(first)).all()
        ids = [row[0] for row in rows]
        loaded = {item.id: item for item in db.session.scalars(select(entity).where(entity.id.in_(ids)))} \
            if ids else {}
        self.items = [loaded[item_id] for item_id in ids]
        if rows:
            self.total = rows[0][1]
        else:  # past the end (or nothing): the count alone
            self.total = 0 if page == 1 else db.session.scalar(
                select(func.count()).select_from(query.order_by(None).subquery()))
        self.pages = max(-(-self.total // per_page), 1)
        self.has_prev, self.prev_num = page > 1, page - 1
        self.has_next, self.next_num = page < self.pages, page + 1


def list_page(query, page: int, per_page: int, *, searching: bool):
    """A page of an HTML list: a text search (a scan) counts in the same statement; a list
    without one reads its page and its count each from an index."""
    if searching:
        return WindowPage(query, page, per_page)
    return db.paginate(query, page=page, per_page=per_page, max_per_page=per_page, error_out=False)
