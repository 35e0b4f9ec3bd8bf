"""Uploaded documents (a change request's or an acceptance's attachments): the one place that
decides whether an upload is a document we keep and the name it is stored under.

The format is read from the file's first bytes, never from its name: PDF, JPEG, PNG, WebP, and
Word (.docx) or Excel (.xlsx) files, which are zip archives holding their main part. A file is
stored under a random name with the extension of its real format, so nothing uploaded is ever
served as a page of this site (``core.media`` sends anything but a picture as a download)."""

from __future__ import annotations

import zipfile

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
MAX_ATTACHMENTS = 10
ALLOWED = _("PDF、JPEG、PNG、WebP、Word（.docx）或 Excel（.xlsx）")
# The part a zip archive must hold to be a Word or an Excel file.
OFFICE_PARTS = {"word/document.xml": "docx", "xl/workbook.xml": "xlsx"}


def _zip_kind(upload) -> str | None:
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        upload.seek(0)
    return next((kind for part, kind in OFFICE_PARTS.items() if part in names), None)


def document_extension(upload) -> str:
    """The file extension of an upload's real format; refuses anything else, or anything
    larger than MAX_DOCUMENT_BYTES, with a message naming the file."""
    name = upload.name or _("附件")
    if upload.size > MAX_DOCUMENT_BYTES:
        raise ValidationError(
            _("“%(name)s”太大（%(size)s），每个附件不能超过%(limit)s")
            % {"name": name, "size": filesizeformat(upload.size), "limit": filesizeformat(MAX_DOCUMENT_BYTES)}
        )
    upload.seek(0)
    head = upload.read(12)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"PK\x03\x04"):
        kind = _zip_kind(upload)
        if kind:
            return kind
    raise ValidationError(
        _("“%(name)s”不是可接受的附件格式，只能上传%(allowed)s文件") % {"name": name, "allowed": ALLOWED}
    )


def check_documents(uploads) -> None:
    """Refuse a set of uploads when any is not a document we keep, or when there are too many."""
    uploads = list(uploads)
    if len(uploads) > MAX_ATTACHMENTS:
        raise ValidationError(_("附件最多%(limit)s个") % {"limit": MAX_ATTACHMENTS})
    for upload in uploads:
        document_extension(upload)


def store_document(record, upload) -> None:
    """Check an upload and save it on an attachment record (its parent already set), under a
    random name with its real format's extension; the uploader's name is kept for display."""
    extension = document_extension(upload)
    record.name = (upload.name or "附件")[-200:]
    record.file.save(f"upload.{extension}", upload, save=False)
    record.save()
