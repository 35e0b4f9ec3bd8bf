"""Handing an uploaded file to its reader once a view has checked the reader may see it."""

from __future__ import annotations

import inspect
from pathlib import PurePosixPath
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpResponse, HttpResponseRedirect

# Only picture types are ever named: a file stored under another extension before uploads were
# renamed is sent as a download, so a browser never renders it as a page of this site.
INLINE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}


def protected_file_response(
    file: FieldFile, *, content_type: str | None = None, disposition: str | None = None
) -> HttpResponse:
    """The file's bytes, from the proxy (X-Accel-Redirect, when MEDIA_ACCEL_REDIRECT_PREFIX is
    set) or streamed by Django itself; from a remote storage (S3), a redirect to a short-lived
    presigned URL instead, made only now that the reader has been checked. A picture is shown
    inline; anything else is a download, of the given type and Content-Disposition (an export's
    file name) when given."""
    inline_type = INLINE_TYPES.get(PurePosixPath(file.name).suffix.lower())
    content_type = inline_type or content_type or "application/octet-stream"
    disposition = "inline" if inline_type else (disposition or "attachment")
    if not is_local(file.storage):
        return _redirect_to_signed_url(file, content_type, disposition)
    prefix = settings.MEDIA_ACCEL_REDIRECT_PREFIX
    if prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = f"{prefix.rstrip('/')}/{quote(file.name)}"
    else:
        response = FileResponse(file.open("rb"), content_type=content_type)
    response["Content-Disposition"] = disposition
    response["Cache-Control"] = "private, max-age=3600"
    return response


def is_local(storage: Storage) -> bool:
    """Whether the storage keeps files on the file system (the media volume nginx and every
    container mount). Any other storage must give private, expiring signed URLs from url(), as
    S3Storage does with querystring auth (livelihood.settings.media_storage)."""
    return isinstance(storage, FileSystemStorage)


def _redirect_to_signed_url(file: FieldFile, content_type: str, disposition: str) -> HttpResponse:
    storage = file.storage
    if "parameters" in inspect.signature(storage.url).parameters:
        # S3 answers with these headers whatever the object's metadata says.
        url = storage.url(
            file.name,
            parameters={"ResponseContentType": content_type, "ResponseContentDisposition": disposition},
        )
    else:
        url = storage.url(file.name)
    response = HttpResponseRedirect(url)
    # The URL expires within minutes: a browser must ask this view again rather than reuse it.
    response["Cache-Control"] = "private, no-store"
    return response
