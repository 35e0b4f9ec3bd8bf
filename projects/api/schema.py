"""OpenAPI generation for our viewsets: the documented responses include the errors clients
must handle, so the description matches what the API really answers."""

from __future__ import annotations

from drf_spectacular.authentication import SessionScheme
from drf_spectacular.openapi import AutoSchema

ERROR_BODY = {
    "application/json": {
        "schema": {
            "type": "object",
            "description": "{'detail': '说明'}，或按字段列出的错误：{'字段': ['说明']}",
            "additionalProperties": {},
        }
    }
}


class ChineseSessionScheme(SessionScheme):
    """Our session authentication is DRF's with a Chinese CSRF message: described the same."""

    target_class = "projects.api.authentication.SessionAuthentication"


def _error(description: str) -> dict:
    return {"description": description, "content": ERROR_BODY}


class ApiSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        errors = {"401": _error("未登录或令牌无效"), "403": _error("无权访问")}
        if self.method in {"POST", "PUT", "PATCH"} or self._is_list_view() or self.get_override_parameters():
            errors["400"] = _error("参数或填写内容有误")
        if "{" in self.path:
            errors["404"] = _error("不存在或无权查看")
        elif self._is_list_view():
            errors["404"] = _error("页码超出范围")
        for code, response in errors.items():
            responses.setdefault(code, response)
        return responses
