"""Which text encoding a Shapefile's attributes (and a DXF's layer names) are in.

Chinese Shapefiles are often GBK/GB18030 with no .cpg, or carry LDID 0x57 ("ANSI": whatever
the writer's Windows code page was, GBK on Chinese Windows). GDAL then assumes ISO-8859-1 and
the names come out garbled, silently. Order here: the user's --encoding, a .cpg, an explicit
DBF language byte, and otherwise the bytes themselves: strict UTF-8, then GB18030 (a superset
of GBK and GB2312). Declared encodings are only trusted when the bytes decode under them.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from ..errors import GeocheckError

# DBF language driver ids that name one code page. 0x57 ("ANSI") names none, so it is detected.
LDID_CODEPAGES = {
    0x01: "cp437", 0x02: "cp850", 0x03: "cp1252", 0x13: "cp932", 0x26: "cp866", 0x4D: "cp936",
    0x4E: "cp949", 0x4F: "cp950", 0x64: "cp852", 0x65: "cp866", 0x78: "cp950", 0x79: "cp949",
    0x7A: "cp936", 0x7B: "cp932", 0xC8: "cp1250", 0xC9: "cp1251", 0xCA: "cp1254", 0xCB: "cp1253",
}
DETECT_ORDER = ("utf-8", "gb18030")
CUT = b"\0"  # marks a text that filled its fixed-width field, so its last character may be cut


@dataclass(frozen=True)
class Encoding:
    codec: str  # Python codec used to decode
    source: str  # "option", "cpg", "ldid", "detected", "ascii", "fallback"
    why_en: str
    why_zh: str

    @property
    def label(self) -> str:
        return codecs.lookup(self.codec).name.upper().replace("_", "-")


def codec_name(text: str | None) -> str | None:
    """A Python codec for an encoding label as written in .cpg files or --encoding, or None.

    .cpg files say 'UTF-8', 'GBK', '936', 'ANSI 936', '88591', 'ISO-8859-1', 'CP1252' …
    """
    raw = (text or "").strip()
    value = re.sub(r"^(ANSI|OEM)[\s_]*", "", raw.upper())
    if value.isdigit():
        value = ("utf-8" if value == "65001" else
                 f"iso-8859-{value[4:]}" if value.startswith("8859") and len(value) > 4 else f"cp{value}")
    for candidate in (value, raw):
        try:
            info = codecs.lookup(candidate) if candidate else None
        except LookupError:
            continue
        # base64, zlib, rot13 … are codecs too, but not text encodings: no .cpg can mean them
        return info.name if info is not None and getattr(info, "_is_text_encoding", True) else None
    return None


def _cjk_capable(codec: str) -> bool:
    """Single-byte code pages decode almost any bytes, so 'it decodes' proves nothing for them."""
    try:
        "中".encode(codec)
        return True
    except UnicodeEncodeError:
        return False


def parse_option(text: str, what: str = "--encoding") -> str:
    """An encoding as a user gives it (`what`: the option or config key) → codec, or a clean error."""
    codec = codec_name(text)
    if codec is None:
        raise GeocheckError(f"{what}: '{text}' is not an encoding Python knows (try GB18030, GBK or UTF-8)")
    return codec


def decodes(values: list[bytes], codec: str) -> bool:
    """True when every value decodes strictly. A value that ends in b"\\0" may have been cut at
    the end of a fixed-width DBF field (names are 10 bytes): a character cut there is tolerated."""
    for raw in values:
        cut = raw.endswith(CUT)
        try:
            codecs.getincrementaldecoder(codec)("strict").decode(raw[:-1] if cut else raw, final=not cut)
        except UnicodeDecodeError:
            return False
    return True


def decode_lenient(raw: bytes, codec: str) -> str:
    """Decode, dropping a character cut at the end of a field; replace anything else broken."""
    try:
        return codecs.getincrementaldecoder(codec)("strict").decode(raw, final=False)
    except UnicodeDecodeError:
        return raw.decode(codec, errors="replace")


def choose(texts: list[bytes], *, option: str | None = None, declared: str | None = None,
           declared_by: str = "", ldid: int = 0) -> Encoding:
    """The encoding to read `texts` (field names and text values) with, and why.

    `declared` is a .cpg's content (declared_by names it); `ldid` the DBF language byte.
    """
    if option:
        return Encoding(option, "option", "as given by --encoding", "按 --encoding 指定")
    non_ascii = [t for t in texts if not t.isascii()]
    if not non_ascii:
        return Encoding("utf-8", "ascii", "text is plain ASCII, encoding does not matter",
                        "属性均为 ASCII 字符，编码无影响")
    conflict_en = conflict_zh = ""
    if declared is not None:
        codec = codec_name(declared)
        trusted = codec and decodes(non_ascii, codec) and (
            _cjk_capable(codec) or not decodes(non_ascii, "utf-8"))
        if trusted and codec:
            return Encoding(codec, "cpg", f"declared by {declared_by}", f"由 {declared_by} 声明")
        conflict_en = (f"{declared_by} says '{declared.strip()}' but the text does not fit it"
                       if codec else f"{declared_by} names an unknown encoding '{declared.strip()}'")
        conflict_zh = f"{declared_by} 声明的编码“{declared.strip()}”与内容不符或无法识别"
    elif ldid in LDID_CODEPAGES:
        codec = LDID_CODEPAGES[ldid]
        if decodes(non_ascii, codec) and (_cjk_capable(codec) or not decodes(non_ascii, "utf-8")):
            return Encoding(codec, "ldid", f"declared by the DBF language byte 0x{ldid:02X}",
                            f"由 DBF 语言字节 0x{ldid:02X} 声明")
        conflict_en = f"the DBF language byte 0x{ldid:02X} says {codec} but the text does not fit it"
        conflict_zh = f"DBF 语言字节 0x{ldid:02X}（{codec}）与内容不符"
    else:
        conflict_en = (f"no .cpg and the DBF language byte is 0x{ldid:02X}" +
                       (" ('ANSI', i.e. the writer's code page)" if ldid == 0x57 else ""))
        conflict_zh = f"无 .cpg 文件，DBF 语言字节为 0x{ldid:02X}"
    for codec in DETECT_ORDER:
        if decodes(non_ascii, codec):
            return Encoding(codec, "detected", f"detected from the bytes ({conflict_en})",
                            f"根据字节内容自动识别（{conflict_zh}）")
    return Encoding("latin-1", "fallback",
                    f"neither UTF-8 nor GB18030 fits ({conflict_en}); read as ISO-8859-1, text may be garbled"
                    " — pass --encoding", f"既非 UTF-8 也非 GB18030（{conflict_zh}），按 ISO-8859-1 读取，"
                    "文字可能乱码，可用 --encoding 指定")


def dbf_texts(data: bytes, layout, limit: int = 5000) -> list[bytes]:
    """Field names and the character values of the first `limit` records of a DBF, each that
    filled its field marked with CUT."""
    out = [name + CUT if len(name) >= 10 else name for name, _, _, _ in layout.fields]
    text_fields = [(off, width) for _, kind, off, width in layout.fields if kind == "C"]
    for i in range(min(layout.records, limit)):
        start = layout.header_len + i * layout.record_len
        record = data[start:start + layout.record_len]
        for off, width in text_fields:
            value = record[off:off + width].rstrip(b" \x00")
            out.append(value + CUT if len(value) == width else value)
    return out


DXF_CODEPAGE = re.compile(rb"\$DWGCODEPAGE\s*\r?\n\s*3\s*\r?\n\s*([^\r\n]+)")
DXF_VERSION = re.compile(rb"\$ACADVER\s*\r?\n\s*1\s*\r?\n\s*AC(\d{4})")


def dxf_encoding(data: bytes, option: str | None = None) -> Encoding:
    """DXF text: UTF-8 from AutoCAD 2007 (AC1021) on, else the header's $DWGCODEPAGE — which
    converters often leave at ANSI_1252 while writing UTF-8 or GBK, so the bytes decide."""
    version = DXF_VERSION.search(data)
    if not option and version and int(version.group(1)) >= 1021:
        return Encoding("utf-8", "declared", "DXF 2007 or later is UTF-8", "DXF 2007 及以上版本为 UTF-8")
    page = DXF_CODEPAGE.search(data)
    declared = page.group(1).decode("ascii", "replace").strip() if page else None
    lines = [l for l in data.splitlines() if not l.isascii()]
    chosen = choose(lines, option=option, declared=declared, declared_by="$DWGCODEPAGE")
    # A single-byte page decodes any bytes, so GBK text under ANSI_1252 (converters leave the
    # template's header) would come out as Western mojibake. Chinese text pairs its high bytes
    # within GB2312's rows (both ≥ 0xA1); Western accented text almost never does.
    if chosen.source == "cpg" and not _cjk_capable(chosen.codec) and decodes(lines, "gb2312"):
        return Encoding("gbk", "detected",
                        f"$DWGCODEPAGE says '{declared}' but the text is Chinese (GBK bytes); pass --encoding "
                        "if names look wrong", f"$DWGCODEPAGE 声明“{declared}”，但文字为中文（GBK 字节），"
                        "按 GBK 读取；如名称乱码请用 --encoding 指定")
    return chosen


def looks_garbled(name: str) -> bool:
    """A name that is Chinese read in the wrong code page: CP437 box drawing (╣µ╗«), or Latin-1
    letters in a run (è§„åˆ’), as GBK or UTF-8 bytes come out when decoded as single bytes."""
    if any("\u2500" <= ch <= "\u259f" for ch in name):
        return True
    return re.search(r"[\u0080-\u00ff]{3,}", name) is not None
