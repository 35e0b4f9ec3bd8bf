"""API tokens (knox): obtaining one with a username and password, listing and revoking one's
own, and logging out of the API (``projects.signals`` revokes them on a site logout or a
password change).

A token expires after ``REST_KNOX["TOKEN_TTL"]`` without use: every use pushes the expiry on
(``AUTO_REFRESH``), so the last use is the expiry less that span.
"""

from __future__ import annotations

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema, extend_schema_field
from knox.models import AuthToken
from knox.settings import knox_settings
from rest_framework import mixins, serializers, status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from projects.api.views import ApiViewSet, require_object_body

LOCKED_OUT = "登录失败次数过多，账号已暂时锁定，请一小时后再试，或联系督查室重置。"


class CredentialsSerializer(serializers.Serializer):
    username = serializers.CharField(label="用户名")
    password = serializers.CharField(label="密码", trim_whitespace=False, style={"input_type": "password"})


class IssuedTokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="放在请求头 Authorization: Token <token> 中；只显示这一次")
    expiry = serializers.DateTimeField(help_text="闲置到此时失效；每次使用都会顺延")


class ObtainTokenView(APIView):
    """用户名和密码换取API令牌。令牌闲置超过期限即失效，退出登录或修改密码后作废。"""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(tags=["tokens"], request=CredentialsSerializer, responses={200: IssuedTokenSerializer})
    def post(self, request: Request) -> Response:
        require_object_body(request)
        credentials = CredentialsSerializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        user = authenticate(request=request, **credentials.validated_data)
        if user is None:
            # django-axes marks the request when the account is (or has just become) locked out.
            if getattr(request, "axes_locked_out", False):
                return Response({"detail": LOCKED_OUT}, status=status.HTTP_403_FORBIDDEN)
            raise AuthenticationFailed("用户名或密码不正确")
        instance, token = AuthToken.objects.create(user=user)
        return Response(IssuedTokenSerializer({"token": token, "expiry": instance.expiry}).data)


class LogoutView(APIView):
    """作废本次请求所用的令牌。"""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["tokens"], request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        if isinstance(request.auth, AuthToken):
            request.auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="token_key", help_text="令牌前几位，用于识别和作废；不能用来访问")
    last_used = serializers.SerializerMethodField(help_text="最近一次使用或签发（精确到约一分钟）")

    class Meta:
        model = AuthToken
        fields = ["id", "created", "expiry", "last_used"]

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_last_used(self, token: AuthToken) -> str | None:
        if token.expiry is None:
            return None
        return serializers.DateTimeField().to_representation(token.expiry - knox_settings.TOKEN_TTL)


@extend_schema(tags=["tokens"])
class TokenViewSet(mixins.DestroyModelMixin, ApiViewSet):
    """本人的API令牌：查看、作废。只能看到和作废自己的令牌。"""

    serializer_class = TokenSerializer
    permission_classes = [IsAuthenticated]
    lookup_field = "token_key"
    filterset_class = None
    ordering_fields = ["created", "expiry"]
    ordering = ["-created"]

    def get_queryset(self):
        return AuthToken.objects.filter(user_id=self.request.user.pk)

    def perform_destroy(self, instance: AuthToken) -> None:
        # Several tokens may share a key prefix in theory; revoke only this user's.
        AuthToken.objects.filter(user=self.request.user, token_key=instance.token_key).delete()
