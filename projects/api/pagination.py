"""Pagination for every API list: ``?page=`` and ``?page_size=`` (at most 200)."""

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


def _whole_number(request, name: str, message: str) -> int | None:
    """The positive whole number a query parameter holds, None when it is absent or empty, and a
    400 for anything else ("null", "abc", 0): a client that sends nonsense learns it at once
    instead of silently getting the first page or the default page size."""
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise ValidationError({name: [message]})
    return int(raw)


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
        return parameters

    def get_page_size(self, request) -> int:
        size = _whole_number(request, self.page_size_query_param, "每页条数须为正整数（最多200）")
        return self.page_size if size is None else min(size, self.max_page_size)

    def get_page_number(self, request, paginator):
        if request.query_params.get(self.page_query_param) in self.last_page_strings:
            return paginator.num_pages
        return _whole_number(request, self.page_query_param, "页码须为正整数") or 1
