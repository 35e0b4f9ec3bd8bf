"""Shareable links and their QR codes, drawn on our own server as SVG (segno, no CDN): residents
meet a public page through a link pasted in a WeChat group or a code printed on a notice."""

from __future__ import annotations

import io
from dataclasses import dataclass

import segno
from django.conf import settings
from django.http import HttpRequest, HttpResponse


def absolute_url(request: HttpRequest, path: str) -> str:
    """The address to share: under SITE_URL when set (the public name of the site behind a
    proxy), else as this request reached us."""
    base = (getattr(settings, "SITE_URL", "") or "").rstrip("/")
    return f"{base}{path}" if base else request.build_absolute_uri(path)


def qr_svg(text: str) -> bytes:
    """A QR code of ``text`` as a standalone SVG (error correction M, dark on white)."""
    buffer = io.BytesIO()
    segno.make(text, error="m", micro=False).save(
        buffer, kind="svg", scale=6, border=2, dark="#000", light="#fff", xmldecl=True, svgns=True
    )
    return buffer.getvalue()


def qr_response(request: HttpRequest, path: str) -> HttpResponse:
    """The QR code of a page's shareable address, cacheable for a day."""
    response = HttpResponse(qr_svg(absolute_url(request, path)), content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@dataclass(frozen=True)
class Share:
    """What a page offers for sharing: its address and where its QR code is drawn."""

    url: str
    qr_url: str


def share(request: HttpRequest, path: str, qr_path: str) -> Share:
    return Share(url=absolute_url(request, path), qr_url=qr_path)
