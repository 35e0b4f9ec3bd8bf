"""Handing an uploaded file to its reader once a view has checked the reader may see it."""

from __future__ import annotations

from pathlib import PurePosixPath
from urllib.parse import quote

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpResponse

# Only picture types are ever named: a file stored under another extension before uploads were
# renamed is sent as a download, so a browser never renders it as a page of this site.
INLINE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}


def protected_file_response(
    file: FieldFile, *, content_type: str | None = None, disposition: str | None = None
) -> HttpResponse:
    """The file's bytes, from the proxy (X-Accel-Redirect, when MEDIA_ACCEL_REDIRECT_PREFIX is
    set) or streamed by Django itself. A picture is shown inline; anything else is a download,
    of the given type and Content-Disposition (an export's file name) when given."""
    inline_type = INLINE_TYPES.get(PurePosixPath(file.name).suffix.lower())
    content_type = inline_type or content_type or "application/octet-stream"
    prefix = settings.MEDIA_ACCEL_REDIRECT_PREFIX
    if prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = f"{prefix.rstrip('/')}/{quote(file.name)}"
    else:
        response = FileResponse(file.open("rb"), content_type=content_type)
    response["Content-Disposition"] = "inline" if inline_type else (disposition or "attachment")
    response["Cache-Control"] = "private, max-age=3600"
    return response
