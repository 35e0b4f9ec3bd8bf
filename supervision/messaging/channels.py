"""The ways a message leaves the system: e-mail (Django's mail backend), SMS through an HTTP
gateway, and the WeCom (企业微信) and DingTalk (钉钉) group robots.

Each ``send_*`` returns when the provider said the message was taken, and otherwise raises
``SendError`` with a message that is safe to store and log: it never holds a token, a robot's
key or a signing secret (webhook addresses carry the key in their query string, so no
exception text of the HTTP library is passed on either).

The SMS gateway contract (settings SMS_GATEWAY_URL, SMS_GATEWAY_TOKEN): a JSON POST of
``{"phone": "...", "text": "..."}`` with ``Authorization: Bearer <token>``; a 2xx answer with a
JSON object whose ``errcode`` (or ``code``) is 0, or absent, means sent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.mail import send_mail

MASK = "****"


class SendError(Exception):
    """The provider did not take the message. ``permanent`` when retrying cannot help (the
    channel is not configured any more)."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.message = message
        self.permanent = permanent


def mask(text: str, secrets) -> str:
    """``text`` with every non-empty secret replaced by ****."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return text


def describe_webhook(url: str) -> str:
    """A webhook address as pages and the admin show it: the host only, the key hidden."""
    if not url:
        return ""
    return f"{urlsplit(url).hostname or ''}/…（{MASK}）"


def send_email(address: str, subject: str, message: str) -> None:
    try:
        send_mail(subject, message, None, [address])
    except Exception as exc:  # noqa: BLE001 - any transport failure becomes a recorded failure
        raise SendError(f"邮件发送失败（{type(exc).__name__}）") from None


def send_sms(phone: str, text: str) -> None:
    url, token = settings.SMS_GATEWAY_URL, settings.SMS_GATEWAY_TOKEN
    if not url:
        raise SendError("未配置短信网关（SMS_GATEWAY_URL）", permanent=True)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = _post_json(url, {"phone": phone, "text": text}, secrets=(url, token), headers=headers)
    status = data.get("errcode", data.get("code", 0))
    if str(status) not in {"0", "OK", "ok"}:
        raise SendError(mask(f"短信网关返回错误码 {status}：{_message_of(data)}", (url, token)))


def send_wecom(webhook: str, text: str) -> None:
    """A text message to a WeCom group robot (POST to its webhook; errcode 0 means sent)."""
    if not webhook:
        raise SendError("单位未设置企业微信群机器人", permanent=True)
    data = _post_json(webhook, _text_message(text), secrets=(webhook, *_query_values(webhook)))
    _require_errcode_zero(data, "企业微信", (webhook, *_query_values(webhook)))


def send_dingtalk(webhook: str, secret: str, text: str, *, now_ms: int | None = None) -> None:
    """A text message to a DingTalk group robot; with a signing secret (加签) the request
    carries ``timestamp`` and ``sign`` = Base64(HMAC-SHA256(secret, "timestamp\\nsecret"))."""
    if not webhook:
        raise SendError("单位未设置钉钉群机器人", permanent=True)
    secrets = (webhook, secret, *_query_values(webhook))
    params = dingtalk_signature(secret, now_ms) if secret else None
    data = _post_json(webhook, _text_message(text), secrets=secrets, params=params)
    _require_errcode_zero(data, "钉钉", secrets)


def dingtalk_signature(secret: str, now_ms: int | None = None) -> dict[str, str]:
    timestamp = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return {"timestamp": timestamp, "sign": base64.b64encode(digest).decode()}


def _text_message(text: str) -> dict:
    return {"msgtype": "text", "text": {"content": text}}


def _query_values(url: str) -> list[str]:
    query = urlsplit(url).query
    return [part.partition("=")[2] for part in query.split("&") if part.partition("=")[2]]


def _message_of(data: dict) -> str:
    return str(data.get("errmsg") or data.get("message") or data.get("msg") or "")[:200]


def _require_errcode_zero(data: dict, provider: str, secrets) -> None:
    if data.get("errcode") != 0:
        raise SendError(mask(f"{provider}返回错误码 {data.get('errcode')}：{_message_of(data)}", secrets))


def _post_json(url: str, payload: dict, *, secrets, headers=None, params=None) -> dict:
    timeout = settings.NOTIFY_HTTP_TIMEOUT
    try:
        response = requests.post(url, json=payload, headers=headers, params=params, timeout=timeout)
    except requests.Timeout:
        raise SendError(f"超时：{timeout}秒内没有响应") from None
    except requests.ConnectionError:
        raise SendError(f"无法连接 {urlsplit(url).hostname or ''}") from None
    except requests.RequestException as exc:
        raise SendError(f"请求失败（{type(exc).__name__}）") from None
    if not 200 <= response.status_code < 300:
        raise SendError(f"HTTP {response.status_code}")
    try:
        data = response.json()
    except ValueError:
        raise SendError("返回内容不是有效的 JSON") from None
    if not isinstance(data, dict):
        raise SendError("返回内容不是有效的 JSON 对象")
    return data
