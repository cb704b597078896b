"""Stream one member of a zip archive, inflated with ISA-L (the `isal` package).

A BACI release holds a few GB of CSV. Python's zipfile inflates with zlib at about 200 MB/s;
ISA-L's inflate is about twice as fast, which is most of the cost of reading a year. The
member is read from its local header's offset, inflated block by block, and checked at the
end (its CRC-32 and size against the central directory), so a damaged or truncated member is
an error, never short data.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from isal import isal_zlib

CHUNK = 8 << 20  # compressed bytes read at a time
OUT_CHUNK = 32 << 20  # inflated bytes made at a time
# CSV of trade flows deflates about 4:1 to 6:1; deflate itself cannot pass about 1032:1
MAX_RATIO = 100


class MemberError(Exception):
    """A member that cannot be read whole: damaged, truncated or compressed in a way not read here."""


class MemberStream:
    """A zip member's uncompressed bytes, chunk by chunk as they are inflated (next_block)."""

    def __init__(self, archive: Path | bytes, info: zipfile.ZipInfo):
        self._fh = io.BytesIO(archive) if isinstance(archive, bytes) else open(archive, "rb")  # noqa: SIM115 (closed by close())
        self._info = info
        header = self._read_exact(info.header_offset, 30)
        if header[:4] != b"PK\x03\x04":
            raise MemberError(f"member {info.filename}: no local header at its offset")
        name_len, extra_len = int.from_bytes(header[26:28], "little"), int.from_bytes(header[28:30], "little")
        self._fh.seek(info.header_offset + 30 + name_len + extra_len)
        if info.compress_type == zipfile.ZIP_DEFLATED:
            self._inflate = isal_zlib.decompressobj(-15)
        elif info.compress_type == zipfile.ZIP_STORED:
            self._inflate = None
        else:
            raise MemberError(f"member {info.filename}: compression method {info.compress_type} "
                              "(only deflate and stored are read)")
        if info.file_size > MAX_RATIO * (info.compress_size + 64 * 1024):
            raise MemberError(f"member {info.filename}: {info.compress_size:,} bytes that inflate to "
                              f"{info.file_size:,}, more than {MAX_RATIO}:1 (a decompression bomb?)")
        self._left = info.compress_size
        self._tail = b""
        self._crc, self._size = 0, 0

    def _read_exact(self, offset: int, n: int) -> bytes:
        self._fh.seek(offset)
        data = self._fh.read(n)
        if len(data) != n:
            raise MemberError(f"member {self._info.filename}: the archive ends inside it (truncated)")
        return data

    def next_block(self) -> bytes:
        """The next inflated chunk as it comes (at most OUT_CHUNK bytes; b"" at the end), with no
        copy to make a block of a given size: a reader that cuts at line breaks takes any size."""
        while self._left or self._tail:
            out = self._next()
            if not self._left and not self._tail:
                self._finish()
            if out:
                return out
        self._finish()
        return b""

    def _next(self) -> bytes:
        if self._tail:  # input a bounded inflate left over
            raw, self._tail = self._tail, b""
        else:
            raw = self._fh.read(min(CHUNK, self._left))
            if not raw:
                raise MemberError(f"member {self._info.filename}: the archive ends inside it (truncated)")
            self._left -= len(raw)
        try:
            if self._inflate is None:
                out = raw
            else:  # bounded: a few MB of deflate can stand for gigabytes
                out = self._inflate.decompress(raw, OUT_CHUNK)
                self._tail = self._inflate.unconsumed_tail
        except isal_zlib.error as exc:
            raise MemberError(f"member {self._info.filename}: damaged compressed data ({exc})") from None
        self._crc = isal_zlib.crc32(out, self._crc)
        self._size += len(out)
        if self._size > self._info.file_size:
            raise MemberError(f"member {self._info.filename}: inflates to more than the {self._info.file_size:,} bytes "
                              "its directory says (damaged)")
        if self._size > MAX_RATIO * (self._consumed() + 64 * 1024):
            raise MemberError(f"member {self._info.filename}: inflates more than {MAX_RATIO}:1 (a decompression bomb?)")
        return out

    def _consumed(self) -> int:
        return self._info.compress_size - self._left - len(self._tail)

    def _finish(self) -> None:
        if self._inflate is not None and not self._inflate.eof:
            raise MemberError(f"member {self._info.filename}: its compressed data end early (truncated)")
        if self._size != self._info.file_size or (self._crc & 0xFFFFFFFF) != self._info.CRC:
            raise MemberError(f"member {self._info.filename}: CRC or size differs from the archive's directory "
                              "(damaged)")

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> MemberStream:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()
