"""PDFs from office documents through LibreOffice (``soffice --headless --convert-to pdf``),
where it is installed: pages offer a PDF only when ``available()``.

Each conversion runs in its own temporary directory with its own LibreOffice profile, so
conversions at the same time never share one, and is stopped (the whole process group, which
LibreOffice's launcher forks) when it takes longer than its timeout.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from django.http import HttpResponse
from django.utils.encoding import escape_uri_path

PDF_CONTENT_TYPE = "application/pdf"
TIMEOUT_SECONDS = 90


class ConversionError(RuntimeError):
    """LibreOffice is missing, failed, or took too long."""


def executable() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def available() -> bool:
    return executable() is not None


def to_pdf(data: bytes, suffix: str = ".docx", timeout: float = TIMEOUT_SECONDS) -> bytes:
    """The document (its bytes, of the type ``suffix`` names) printed to PDF."""
    program = executable()
    if program is None:
        raise ConversionError("未安装 LibreOffice，无法生成 PDF。")
    with tempfile.TemporaryDirectory(prefix="soffice-") as folder:
        work = Path(folder)
        source = work / f"document{suffix}"
        source.write_bytes(data)
        command = [
            program,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(work),
            str(source),
        ]
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
        )
        try:
            _, errors = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise ConversionError(f"LibreOffice 转换超过 {timeout:g} 秒未完成。") from exc
        pdf = work / "document.pdf"
        if process.returncode != 0 or not pdf.exists():
            raise ConversionError(f"LibreOffice 转换失败：{errors.decode(errors='replace')[-500:]}")
        return pdf.read_bytes()


def pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=PDF_CONTENT_TYPE)
    response["Content-Disposition"] = (
        f"attachment; filename=\"document.pdf\"; filename*=UTF-8''{escape_uri_path(filename)}"
    )
    return response
