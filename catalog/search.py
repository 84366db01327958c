"""Diacritic- and case-insensitive search over published procedure versions.

Both databases use the same normalised columns (`search_name`, `search_text`, filled at publish
time by `search_normalize`), so SQLite and PostgreSQL return the same rows in the same order;
on PostgreSQL trigram GIN indexes (migration 0002) make the `icontains` lookups fast.
"""

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Length

from portal.kernel.text import text_fold


def search_normalize(text: str) -> str:
    """'Đăng ký KHAI SÍNH' -> 'dang ky khai sinh': accents folded, lower case, one space."""
    return " ".join(text_fold(text).lower().split())


def search_filter(queryset: QuerySet, query: str) -> QuerySet:
    """Rows whose text holds every word of `query`, ranked: name starts with the query, name
    contains the phrase, name contains all words, then matches elsewhere; shorter names first."""
    phrase = search_normalize(query)
    words = phrase.split()
    if not words:
        return queryset
    for word in words:
        queryset = queryset.filter(Q(search_text__icontains=word) | Q(search_name__icontains=word) | Q(code=word))
    all_in_name = Q()
    for word in words:
        all_in_name &= Q(search_name__icontains=word)
    rank = Case(
        When(code=phrase, then=Value(0)),
        When(search_name__istartswith=phrase, then=Value(1)),
        When(search_name__icontains=phrase, then=Value(2)),
        When(all_in_name, then=Value(3)),
        default=Value(4),
        output_field=IntegerField(),
    )
    return queryset.annotate(search_rank=rank, name_length=Length("search_name")).order_by(
        "search_rank", "name_length", "code"
    )
