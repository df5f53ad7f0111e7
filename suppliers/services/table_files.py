"""Rows of a CSV or XLSX file as the tools people use write them, read within fixed bounds.

CSV: the separators Excel and LibreOffice write (``,`` ``;`` tab ``|``, or Excel's ``sep=`` line),
in UTF-8 (with or without BOM), UTF-16 (Excel's "Unicode text") or Windows-1252 (Excel's plain
"CSV" on Western Windows). XLSX (and XLSM): every visible sheet whose header row has the required
columns, numbers exactly as Excel shows them, dates as dates. Other formats (.xls, .ods, .numbers)
are refused with what to save instead.

Nothing here costs more than the file's size allows: the CSV separator is found by reading the
first lines once (no ``csv.Sniffer``, whose guess costs the square of a quoted line), and a
workbook is streamed, part by part, through expat with caps on what is decompressed, on rows
(blank ones too), on cells per row and on characters per cell, so a sheet of a million rows or
one row of a million cells is refused after the first few thousand, without being read whole.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import posixpath
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from xml.parsers import expat

from django.utils.translation import gettext

from portal import l10n
from suppliers.quantities import NumberError, spreadsheet_number

MAX_BYTES = 5 * 1024 * 1024  # the file as uploaded
MAX_CELL = 255  # characters of one cell (longer ones are row errors; none is kept longer)
MAX_COLUMNS = 200  # cells in one row
HEADER_SEARCH = 10  # non-blank rows above the header (titles an ERP export puts first)
MAX_XML_BYTES = 32 * 1024 * 1024  # one part of a workbook, decompressed
MAX_SHARED_STRINGS = 100_000  # different texts in a workbook
MAX_ZIP_ENTRIES = 1000
DELIMITERS = (",", ";", "\t", "|")
_INVISIBLE = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060"))


class TableFileError(Exception):
    """The file cannot be read as a table; the message says what to change."""


@dataclass
class TableRow:
    """One data row: its number as the spreadsheet shows it, the sheet, values by column name.

    Values are text, or a ``Decimal`` for a workbook's number cell; ``problems`` holds what is wrong
    with a cell (too long, control characters) by column name.
    """

    number: int
    sheet: str
    values: dict[str, str | Decimal]
    problems: dict[str, str] = field(default_factory=dict)


@dataclass
class Table:
    """The data rows of a file, and the decimal mark its text numbers use ("," "." or None: unknown)."""

    rows: list[TableRow]
    decimal_mark: str | None
    sheets: list[str]


def column_name(text: str, aliases: dict[str, str]) -> str:
    """A header cell as a column name: case, spaces, hyphens, BOMs and a trailing ``*`` do not matter."""
    name = unicodedata.normalize("NFKC", str(text)).translate(_INVISIBLE).strip().lower().rstrip("*").strip()
    name = re.sub(r"[\s\-/]+", "_", name)
    return aliases.get(name, name)


def read_table(
    data: bytes,
    filename: str,
    *,
    columns: Iterable[str],
    required: Iterable[str],
    aliases: dict[str, str] | None = None,
    numeric: Iterable[str] = (),
    max_rows: int,
) -> Table:
    """The rows of ``data`` under a header row naming every ``required`` column (``TableFileError`` if none).

    Columns not in ``columns`` are skipped; at most ``max_rows`` data rows (blank rows are skipped
    and do not count, but no more than as many again are read). The text of the ``numeric``
    columns tells the file's decimal mark (``Table.decimal_mark``).
    """
    if len(data) > MAX_BYTES:
        raise TableFileError(gettext("Files are limited to %(mb)s MB.") % {"mb": MAX_BYTES // (1024 * 1024)})
    if not data.strip():
        raise TableFileError(gettext("The file is empty."))
    spec = _Spec(tuple(columns), tuple(required), aliases or {}, tuple(numeric), max_rows)
    name = (filename or "").lower()
    if data[:4] == b"PK\x03\x04" or name.endswith((".xlsx", ".xlsm")):
        return _read_workbook(data, spec)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise TableFileError(
            gettext(
                "This is an old Excel (.xls) or a password-protected workbook; save it as Excel Workbook (.xlsx) "
                "without a password, or as CSV UTF-8."
            )
        )
    if name.endswith((".xls", ".ods", ".numbers")):
        raise TableFileError(gettext("Save the file as Excel Workbook (.xlsx) or as CSV UTF-8."))
    return _read_csv(data, spec)


@dataclass
class _Spec:
    columns: tuple[str, ...]
    required: tuple[str, ...]
    aliases: dict[str, str]
    numeric: tuple[str, ...]
    max_rows: int


class _Stop(Exception):
    """Enough has been read (the reader's caller decides what that means)."""


class _Builder:
    """Turns raw rows (cells by 0-based column) into ``TableRow``s under the header, within the limits."""

    def __init__(self, spec: _Spec, sheet: str, counted: list[int]) -> None:
        self.spec, self.sheet, self.counted = spec, sheet, counted  # counted: data rows of every sheet so far
        self.header: dict[int, str] | None = None
        self.searched = 0
        self.physical = 0
        self.rows: list[TableRow] = []
        self.gave_up = False

    def feed(self, number: int, cells: dict[int, str | Decimal]) -> None:
        self.physical += 1
        if self.physical > 2 * self.spec.max_rows + HEADER_SEARCH:
            raise TableFileError(
                gettext(
                    "%(where)s: a file holds at most %(max)s rows; this one goes on "
                    "(blank rows included). Remove the empty rows or split the file."
                )
                % {"where": self.where(number), "max": l10n.num(self.spec.max_rows)}
            )
        blank = all(isinstance(v, str) and not _clean(v) for v in cells.values())
        if blank:
            return
        if self.header is None:
            self._find_header(number, cells)
            return
        self.counted[0] += 1
        if self.counted[0] > self.spec.max_rows:
            raise TableFileError(
                gettext("%(where)s: a file holds at most %(max)s rows; split it into several.")
                % {"where": self.where(number), "max": l10n.num(self.spec.max_rows)}
            )
        row = TableRow(number=number, sheet=self.sheet, values={})
        for index, name in self.header.items():
            value = cells.get(index, "")
            if isinstance(value, str):
                value, problem = _cell_text(value)
                if problem:
                    row.problems[name] = problem
            row.values[name] = value
        self.rows.append(row)

    def _find_header(self, number: int, cells: dict[int, str | Decimal]) -> None:
        self.searched += 1
        names: dict[int, str] = {}
        for index, value in sorted(cells.items()):
            name = column_name(value, self.spec.aliases) if isinstance(value, str) else ""
            if name in self.spec.columns:
                if name in names.values():
                    first = next(i for i, n in names.items() if n == name)
                    raise TableFileError(
                        gettext("%(where)s: the column %(name)s is there twice (%(first)s and %(second)s); keep one.")
                        % {
                            "where": self.where(number),
                            "name": name,
                            "first": _letters(first),
                            "second": _letters(index),
                        }
                    )
                names[index] = name
        if all(c in names.values() for c in self.spec.required):
            self.header = names
        elif self.searched >= HEADER_SEARCH:
            self.gave_up = True
            raise _Stop()

    def where(self, number: int) -> str:
        """How an error names the row: "Row 12", or "Lines, row 12" when the workbook has sheets."""
        if self.sheet:
            return gettext("%(sheet)s, row %(number)s") % {"sheet": self.sheet, "number": l10n.num(number)}
        return gettext("Row %(number)s") % {"number": l10n.num(number)}


def _clean(text: str) -> str:
    return text.translate(_INVISIBLE).strip()


def _cell_text(value: str) -> tuple[str, str]:
    """A cell's text, trimmed, and what is wrong with it ("" when nothing)."""
    text = _clean(value)
    if len(text) > MAX_CELL:
        return text[:40], gettext("The cell holds %(count)s characters; at most %(max)s.") % {
            "count": l10n.num(len(text)),
            "max": MAX_CELL,
        }
    bad = next((c for c in text if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co")), None)
    if bad is not None:
        return text, gettext("The cell holds a control character (%(char)s); type the value again.") % {
            "char": f"U+{ord(bad):04X}"
        }
    return text, ""


def _letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


def _no_header(spec: _Spec, sheets: list[str] | None = None) -> TableFileError:
    said = {"required": ", ".join(spec.required), "columns": ", ".join(spec.columns), "sheets": ", ".join(sheets or [])}
    if sheets:
        text = gettext(
            "No header row names the columns %(required)s (sheets looked at: %(sheets)s); the first row of the "
            "lines must name them. Columns read: %(columns)s."
        )
    else:
        text = gettext(
            "No header row names the columns %(required)s; the first row of the lines must name them. "
            "Columns read: %(columns)s."
        )
    return TableFileError(text % said)


# --- CSV ------------------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    """Text in the encoding the file is in: a BOM says which; else UTF-8, else Windows-1252."""
    for bom, encoding in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                raise TableFileError(
                    gettext("The file says it is %(encoding)s but is not; save it as CSV UTF-8.")
                    % {"encoding": encoding.upper()}
                ) from None
    head = data[:2000]
    if head.count(0) * 3 > len(head):  # UTF-16 without a BOM: every other byte of plain text is 0
        encoding = "utf-16-le" if head[1::2].count(0) > head[0::2].count(0) else "utf-16-be"
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise TableFileError(
            gettext("The file is not UTF-8 text; save it as CSV UTF-8 (Excel: File > Save As > CSV UTF-8).")
        ) from None


def _read_csv(data: bytes, spec: _Spec) -> Table:
    text = _decode(data)
    if text.count("\x00") * 3 > len(text):
        raise TableFileError(gettext("This is not a text file; save it as CSV UTF-8 or as Excel Workbook (.xlsx)."))
    delimiter = None
    first, rest = _first_line(text)
    if first.strip().lstrip("\ufeff").lower().startswith("sep=") and len(first.strip().lstrip("\ufeff")) == 5:
        delimiter, text = first.strip().lstrip("\ufeff")[4], rest  # Excel's hint line
    if delimiter is None:
        delimiter = _delimiter(text, spec)
    counted = [0]
    builder = _Builder(spec, "", counted)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        for record in reader:
            number += 1
            if len(record) > MAX_COLUMNS:
                raise TableFileError(
                    gettext(
                        "Row %(number)s has %(count)s columns; the import reads at most %(max)s. "
                        "Delete the unused columns."
                    )
                    % {"number": l10n.num(number), "count": l10n.num(len(record)), "max": MAX_COLUMNS}
                )
            builder.feed(number, dict(enumerate(record)))
    except csv.Error as exc:
        if "field larger" in str(exc):
            raise TableFileError(
                gettext("Row %(number)s has a cell longer than %(max)s characters; is this the right file?")
                % {"number": l10n.num(number + 1), "max": l10n.num(csv.field_size_limit())}
            ) from None
        raise TableFileError(
            gettext("Row %(number)s cannot be read (%(error)s); save the file again as CSV UTF-8.")
            % {"number": l10n.num(number + 1), "error": exc}
        ) from None
    except _Stop:
        pass
    if builder.header is None:
        raise _no_header(spec)
    return Table(rows=builder.rows, decimal_mark=_decimal_mark(delimiter, builder.rows, spec), sheets=[])


def _delimiter(text: str, spec: _Spec) -> str:
    """The separator under which one of the first lines names the most known columns (ties: most cells).

    Reads at most ``HEADER_SEARCH`` lines once per candidate: linear in their length.
    """
    lines, rest = [], text
    while len(lines) < HEADER_SEARCH and rest:
        line, rest = _first_line(rest)
        if line.strip():
            lines.append(line)
    best, best_score = ",", (-1, -1)
    for candidate in DELIMITERS:
        try:
            rows = list(csv.reader(lines, delimiter=candidate))
        except csv.Error:
            continue
        for row in rows:
            known = {column_name(c, spec.aliases) for c in row[:MAX_COLUMNS]} & set(spec.columns)
            score = (len(known), len(row))
            if score > best_score:
                best, best_score = candidate, score
    return best


def _first_line(text: str) -> tuple[str, str]:
    """The text up to the first line end (LF, CRLF or a lone CR, as classic Mac Excel wrote) and the rest."""
    ends = [i for i in (text.find("\n"), text.find("\r")) if i >= 0]
    if not ends:
        return text, ""
    end = min(ends)
    after = end + 2 if text.startswith("\r\n", end) else end + 1
    return text[:end], text[after:]


def _decimal_mark(delimiter: str, rows: list[TableRow], spec: _Spec) -> str | None:
    """The decimal mark of the file's text numbers: what its unambiguous numbers use ("2,5", "1.234,5"),
    else what its separator implies (";" is the separator of places that write decimal commas)."""
    seen = set()
    for row in rows:
        for value in (row.values.get(name) for name in spec.numeric):
            if isinstance(value, str) and value[:1].isdigit():
                mark = _unambiguous_mark(value)
                if mark:
                    seen.add(mark)
    if len(seen) == 1:
        return seen.pop()
    if not seen and delimiter == ";":
        return ","
    return None


_NUMBER = re.compile(r"[0-9][0-9 .,\u00a0\u202f']*")


def _unambiguous_mark(text: str) -> str | None:
    if not _NUMBER.fullmatch(text):
        return None
    if "." in text and "," in text:
        return "." if text.rfind(".") > text.rfind(",") else ","
    for mark in ".,":
        if text.count(mark) == 1:
            whole, fraction = text.split(mark)
            if len(fraction) != 3 or whole.startswith("0") or len(whole.replace(" ", "")) > 3:
                return mark
    return None


# --- XLSX ------------------------------------------------------------------------------------------

_MAIN_TYPES = ("officeDocument", "sharedStrings", "styles")


def _read_workbook(data: bytes, spec: _Spec) -> Table:
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
        names = set(book.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise TableFileError(
            gettext("This is not an Excel workbook (.xlsx) that can be read; save it again.")
        ) from None
    if len(names) > MAX_ZIP_ENTRIES:
        raise TableFileError(
            gettext("The workbook holds too many parts to be an export; copy the lines to a new workbook.")
        )
    if "content.xml" in names and "xl/workbook.xml" not in names:
        raise TableFileError(
            gettext(
                "This is an OpenDocument (LibreOffice) or Numbers file; save it as Excel Workbook (.xlsx) or CSV UTF-8."
            )
        )
    try:
        return _WorkbookReader(book, names, spec).read()
    except (
        zipfile.BadZipFile,
        KeyError,
        OSError,
        EOFError,
        expat.ExpatError,
        ValueError,
        RuntimeError,
        NotImplementedError,
    ):
        raise TableFileError(
            gettext("This is not an Excel workbook (.xlsx) that can be read; save it again.")
        ) from None


class _WorkbookReader:
    def __init__(self, book: zipfile.ZipFile, names: set[str], spec: _Spec) -> None:
        self.book, self.names, self.spec = book, names, spec

    def read(self) -> Table:
        root = self._rels("_rels/.rels", "")
        workbook_path = root.get("officeDocument", ["xl/workbook.xml"])[0]
        if workbook_path not in self.names:
            raise TableFileError(gettext("This is not an Excel workbook (.xlsx) that can be read; save it again."))
        sheets, date1904 = self._workbook(workbook_path)
        rels = self._rels(
            posixpath.join(posixpath.dirname(workbook_path), "_rels", posixpath.basename(workbook_path) + ".rels"),
            posixpath.dirname(workbook_path),
        )
        strings = self._shared_strings(rels.get("sharedStrings", [None])[0])
        date_styles = self._date_styles(rels.get("styles", [None])[0])
        targets = rels.get("_by_id", {})
        counted = [0]
        rows: list[TableRow] = []
        read, looked = [], []
        for name, rel_id, state in sheets:
            if state in ("hidden", "veryHidden"):
                continue
            path = targets.get(rel_id)
            if not path or path not in self.names:
                continue
            looked.append(name)
            builder = _Builder(self.spec, name, counted)
            reader = _SheetHandler(builder, strings, date_styles, date1904)
            with contextlib.suppress(_Stop):
                self._parse(path, reader)
            if builder.header is not None:
                read.append(name)
                rows.extend(builder.rows)
        if not read:
            raise _no_header(self.spec, looked)
        if len(read) == 1:  # one sheet: its rows are "row N", as in a CSV
            for row in rows:
                row.sheet = ""
        return Table(rows=rows, decimal_mark=_decimal_mark("", rows, self.spec), sheets=read)

    def _parse(self, path: str, handler) -> None:
        """Stream one part through expat, with ``handler``'s start/end/text methods; no DTDs."""
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.buffer_text = True

        def doctype(*_args):
            raise TableFileError(gettext("The workbook holds a document type declaration, which Excel never writes."))

        parser.StartDoctypeDeclHandler = doctype
        parser.StartElementHandler = lambda name, attrs: handler.start(name.rsplit(" ", 1)[-1], attrs)
        parser.EndElementHandler = lambda name: handler.end(name.rsplit(" ", 1)[-1])
        parser.CharacterDataHandler = handler.text
        total = 0
        with self.book.open(path) as stream:
            while chunk := stream.read(256 * 1024):
                total += len(chunk)
                if total > MAX_XML_BYTES:
                    raise TableFileError(
                        gettext(
                            "A part of the workbook (%(path)s) is larger than %(mb)s MB unpacked; copy the lines to "
                            "a new workbook."
                        )
                        % {"path": path, "mb": MAX_XML_BYTES // (1024 * 1024)}
                    )
                parser.Parse(chunk, False)
        parser.Parse(b"", True)

    def _rels(self, path: str, base: str) -> dict:
        out: dict = {"_by_id": {}}
        if path not in self.names:
            return out
        handler = _Collect("Relationship")
        self._parse(path, handler)
        for attrs in handler.found:
            target = _attr(attrs, "Target")
            if not target or _attr(attrs, "TargetMode") == "External":
                continue
            resolved = (
                target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
            )
            out["_by_id"][_attr(attrs, "Id")] = resolved
            kind = _attr(attrs, "Type").rsplit("/", 1)[-1]
            if kind in _MAIN_TYPES:
                out.setdefault(kind, []).append(resolved)
        return out

    def _workbook(self, path: str) -> tuple[list[tuple[str, str, str]], bool]:
        handler = _Collect("sheet", "workbookPr")
        self._parse(path, handler)
        sheets = [
            (_attr(a, "name")[:60], _attr(a, "id"), _attr(a, "state")) for a in handler.found if "sheetId" in _local(a)
        ]
        date1904 = any(_attr(a, "date1904") in ("1", "true") for a in handler.found if "date1904" in _local(a))
        return sheets, date1904

    def _shared_strings(self, path: str | None) -> list[str]:
        if not path or path not in self.names:
            return []
        handler = _SharedStrings()
        self._parse(path, handler)
        return handler.strings

    def _date_styles(self, path: str | None) -> set[int]:
        """Indexes of the cell formats (``s``) that show a number as a date."""
        if not path or path not in self.names:
            return set()
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

        handler = _Styles()
        self._parse(path, handler)
        formats = {**BUILTIN_FORMATS, **handler.formats}
        return {i for i, fmt_id in enumerate(handler.xfs) if is_date_format(formats.get(fmt_id))}


def _local(attrs: dict) -> dict:
    return {k.rsplit(" ", 1)[-1]: v for k, v in attrs.items()}


def _attr(attrs: dict, name: str) -> str:
    for key, value in attrs.items():
        if key.rsplit(" ", 1)[-1] == name:
            return value
    return ""


class _Collect:
    """Attributes of every element with one of ``names`` (small parts: rels, workbook)."""

    def __init__(self, *names: str) -> None:
        self.names, self.found = names, []

    def start(self, name, attrs):
        if name in self.names:
            if len(self.found) > MAX_ZIP_ENTRIES:
                raise TableFileError(
                    gettext("The workbook lists too many sheets or parts; copy the lines to a new workbook.")
                )
            self.found.append(attrs)

    def end(self, name):
        pass

    def text(self, data):
        pass


class _SharedStrings:
    """The workbook's table of texts: ``<si>`` with ``<t>``, or rich-text runs (phonetic runs skipped)."""

    def __init__(self) -> None:
        self.strings: list[str] = []
        self.parts: list[str] = []
        self.size = 0
        self.in_t = False
        self.in_phonetic = False

    def start(self, name, attrs):
        if name == "si":
            self.parts, self.size = [], 0
        elif name == "t" and not self.in_phonetic:
            self.in_t = True
        elif name == "rPh":
            self.in_phonetic = True

    def end(self, name):
        if name == "si":
            if len(self.strings) >= MAX_SHARED_STRINGS:
                raise TableFileError(
                    gettext("The workbook holds more than %(max)s different texts; copy the lines to a new workbook.")
                    % {"max": l10n.num(MAX_SHARED_STRINGS)}
                )
            self.strings.append("".join(self.parts))
        elif name == "t":
            self.in_t = False
        elif name == "rPh":
            self.in_phonetic = False

    def text(self, data):
        if self.in_t and self.size <= MAX_CELL:
            self.parts.append(data[: MAX_CELL + 1 - self.size])
            self.size += len(data)


class _Styles:
    """Number formats (``numFmt``) and the cell formats (``cellXfs/xf``) that use them."""

    def __init__(self) -> None:
        self.formats: dict[int, str] = {}
        self.xfs: list[int] = []
        self.in_cell_xfs = False

    def start(self, name, attrs):
        if name == "numFmt":
            fmt_id = _attr(attrs, "numFmtId")
            if fmt_id.isdigit() and len(self.formats) < 10_000:
                self.formats[int(fmt_id)] = _attr(attrs, "formatCode")[:200]
        elif name == "cellXfs":
            self.in_cell_xfs = True
        elif name == "xf" and self.in_cell_xfs and len(self.xfs) < 100_000:
            fmt_id = _attr(attrs, "numFmtId")
            self.xfs.append(int(fmt_id) if fmt_id.isdigit() and len(fmt_id) < 7 else 0)

    def end(self, name):
        if name == "cellXfs":
            self.in_cell_xfs = False

    def text(self, data):
        pass


_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")


class _SheetHandler:
    """A worksheet's rows, cell by cell, handed to the builder row by row; nothing else is kept."""

    def __init__(self, builder: _Builder, strings: list[str], date_styles: set[int], date1904: bool) -> None:
        self.builder, self.strings, self.date_styles, self.date1904 = builder, strings, date_styles, date1904
        self.row_number = 0
        self.cells: dict[int, str | Decimal] = {}
        self.count = 0
        self.column = -1
        self.kind = ""
        self.style = 0
        self.formula = False
        self.parts: list[str] = []
        self.size = 0
        self.collect = False
        self.in_inline = False
        self.in_phonetic = False

    def start(self, name, attrs):
        if name == "row":
            number = _attr(attrs, "r")
            self.row_number = int(number) if number.isdigit() and len(number) < 8 else self.row_number + 1
            self.cells, self.count, self.column = {}, 0, -1
        elif name == "c":
            self.count += 1
            if self.count > MAX_COLUMNS:
                raise TableFileError(
                    gettext(
                        "%(where)s has more than %(max)s cells; the import reads at most %(max)s columns. "
                        "Delete the unused columns."
                    )
                    % {"where": self.builder.where(self.row_number), "max": MAX_COLUMNS}
                )
            ref = _REF.fullmatch(_attr(attrs, "r"))
            self.column = _column_index(ref.group(1)) if ref else self.column + 1
            self.kind = _attr(attrs, "t") or "n"
            style = _attr(attrs, "s")
            self.style = int(style) if style.isdigit() and len(style) < 7 else 0
            self.formula, self.parts, self.size = False, [], 0
        elif name == "v" or (name == "t" and self.in_inline and not self.in_phonetic):
            self.collect = True
        elif name == "is":
            self.in_inline = True
        elif name == "rPh":
            self.in_phonetic = True
        elif name == "f":
            self.formula = True

    def end(self, name):
        if name == "c":
            value = self._value()
            if self.column >= MAX_COLUMNS:
                if value != "":
                    raise TableFileError(
                        gettext(
                            "%(where)s: cell %(cell)s is beyond the %(max)s columns the import reads; move the lines "
                            "to the first columns."
                        )
                        % {
                            "where": self.builder.where(self.row_number),
                            "cell": f"{_letters(self.column)}{self.row_number}",
                            "max": MAX_COLUMNS,
                        }
                    )
            else:
                self.cells[self.column] = value
        elif name == "row":
            self.builder.feed(self.row_number, self.cells)
        elif name in ("v", "t"):
            self.collect = False
        elif name == "is":
            self.in_inline = False
        elif name == "rPh":
            self.in_phonetic = False

    def text(self, data):
        if self.collect and self.size <= MAX_CELL:
            self.parts.append(data[: MAX_CELL + 1 - self.size])
            self.size += len(data)

    def _value(self) -> str | Decimal:
        raw = "".join(self.parts)
        if self.kind == "s":
            index = raw.strip()
            if not (index.isdigit() and len(index) < 9 and int(index) < len(self.strings)):
                return ""
            return self.strings[int(index)]
        if self.kind in ("inlineStr", "str", "e"):
            return raw
        if self.kind == "b":
            return "TRUE" if raw.strip() == "1" else "FALSE"
        if self.kind == "d":
            return raw.strip()[:10] if raw.strip()[10:].strip("T0:.Z") == "" else raw.strip()
        if not raw.strip():
            return "" if not self.formula else _UNCALCULATED
        try:
            number = spreadsheet_number(raw)
        except NumberError:
            return raw
        if self.style in self.date_styles:
            return _excel_date(number, self.date1904) or number
        return number


_UNCALCULATED = "=?"  # a formula cell saved without its value (files written by some libraries)


def _column_index(letters: str) -> int:
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index - 1


def _excel_date(number: Decimal, date1904: bool) -> str | None:
    """An Excel date serial as YYYY-MM-DD (with the time when it is not midnight), None if it is none."""
    import datetime as dt

    if not 1 <= number < 2_958_466:  # 1900-01-01 .. 9999-12-31
        return None
    epoch = dt.datetime(1904, 1, 1) if date1904 else dt.datetime(1899, 12, 30)
    days = int(number)
    if not date1904 and days < 60:  # Excel's 1900 leap-year bug: serials before March 1900 are one off
        days += 1
    seconds = round((number - int(number)) * 86400)
    try:
        moment = epoch + dt.timedelta(days=days, seconds=seconds)
    except OverflowError:
        return None
    return moment.date().isoformat() if seconds == 0 else moment.isoformat(sep=" ")


def uncalculated(value) -> bool:
    """A workbook formula cell saved without its computed value."""
    return value == _UNCALCULATED
