"""Reproducible Office packages: the same parts, the same bytes.

python-docx and openpyxl stamp every zip entry with the wall-clock time of saving.
`normalised` rewrites a package with each entry dated from the snapshot's `as_of`,
in the order the library wrote them ([Content_Types].xml first, as Office expects),
with one compression level and no extra fields.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

# The zip format cannot hold dates before 1980.
_EARLIEST = (1980, 1, 1, 0, 0, 0)


def normalised(package: bytes, when: datetime) -> bytes:
    """`package` rewritten with fixed entry dates and settings."""
    stamp = max(
        (when.year, when.month, when.day, when.hour, when.minute, when.second),
        _EARLIEST,
    )
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(package)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            target.writestr(info, source.read(entry), compresslevel=6)
    return out.getvalue()
