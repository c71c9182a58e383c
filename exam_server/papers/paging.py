"""Paging over a list a service returned, with the attributes the ``pager`` macro reads."""
from __future__ import annotations

import math
from typing import Sequence


class ListPage:
    """One page of ``rows``; page numbers past the end show the last page."""

    def __init__(self, rows: Sequence, page: int, per_page: int):
        self.total = len(rows)
        self.per_page = per_page
        self.pages = max(1, math.ceil(self.total / per_page))
        self.page = min(max(page, 1), self.pages)
        start = (self.page - 1) * per_page
        self.items = list(rows[start:start + per_page])

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1
