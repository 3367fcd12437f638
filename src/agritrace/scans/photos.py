"""A photo sent with a report: accepted by what its bytes are, never by its file name.

A JPEG starts ``FF D8 FF``, a PNG with its 8-byte signature, a WebP with ``RIFF…WEBP``;
anything else (an SVG, which can carry script; a PDF; an executable named ``.jpg``) is refused,
as is a photo over the size limit (``AGRITRACE_REPORT_PHOTO_MAX_BYTES``). The check runs before
the report is stored, so a refused photo leaves neither itself nor its report behind.
"""

from __future__ import annotations

from dataclasses import dataclass

from agritrace.errors import ValidationException
from agritrace.web.i18n import expect

_PNG = b"\x89PNG\r\n\x1a\n"
#: The types a photo may be, as sent back to the owner and the officers.
MEDIA_TYPES = ("image/jpeg", "image/png", "image/webp")


@dataclass(frozen=True)
class Photo:
    media_type: str
    content: bytes


def media_type(content: bytes) -> str | None:
    """The photo's type read from its first bytes, or None when it is none of ours."""
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(_PNG):
        return "image/png"
    if len(content) >= 12 and content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return None


def photo(content: bytes, limit: int) -> Photo:
    """The checked photo; ValidationException naming ``photo`` when too large or no image.
    ``content`` may hold one byte more than ``limit`` (the reader stopped there)."""
    if len(content) > limit:
        raise ValidationException("The photo is too large", [expect(
            "photo", "expect_report_photo_size", None, shown=f"> {limit} B", most=limit)])
    found = media_type(content)
    if found is None:
        raise ValidationException("The photo is not a JPEG, PNG or WebP image", [expect(
            "photo", "expect_report_photo_type", None,
            shown=f"{len(content)} B: {content[:8].hex(' ')}")])
    return Photo(found, content)
