"""One way to page a staff list, whatever the query string says.

django-tables2 reads ``page`` and ``per_page`` straight from the request: a
page number beyond bigint overflows the OFFSET (a 500 on PostgreSQL and
SQLite) and ``per_page=-2`` or a million turns into a slice the database
refuses or a page nobody asked for. Staff lists have one page size; the
page number is clamped to what a person could reach by clicking.
"""

from django.core.paginator import EmptyPage
from django_tables2 import RequestConfig
from django_tables2.paginators import LazyPaginator

PER_PAGE = 25
MAX_PAGE = 100_000


def page_number(value):
    """The page asked for, or 1 when it is not a page a person could ask for."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return number if 1 <= number <= MAX_PAGE else 1


def paginate_table(request, table, per_page=PER_PAGE):
    # Ordering still comes from the request; the page size never does.
    RequestConfig(request, paginate=False).configure(table)
    # LazyPaginator never counts: the page is a LIMIT on an index scan even
    # with a million rows.
    try:
        table.paginate(
            paginator_class=LazyPaginator,
            per_page=per_page,
            page=page_number(request.GET.get(table.prefixed_page_field)),
        )
    except EmptyPage:
        table.paginate(paginator_class=LazyPaginator, per_page=per_page, page=1)
    return table
