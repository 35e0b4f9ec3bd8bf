"""How API callers sign in: a session (the browser) or a knox token (``projects.api.tokens``)."""

from rest_framework import authentication
from rest_framework.exceptions import PermissionDenied

CSRF_REFUSED = "CSRF校验失败：请刷新页面后重试，或改用令牌（Token）访问接口"


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication, with its CSRF refusal in Chinese."""

    def enforce_csrf(self, request):
        try:
            super().enforce_csrf(request)
        except PermissionDenied as exc:
            raise PermissionDenied(CSRF_REFUSED) from exc
