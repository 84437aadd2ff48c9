"""Reading an origination system's export (CSV or XLSX) into rows of case
fields. Nothing here checks or writes: cases.services.intake does.

The columns may be named in English (our field names) or in Chinese, as
bank staff name them; the order does not matter and other columns are
ignored. A template with every column is offered on the import page.
"""

import csv
import datetime
import io
import zipfile
from decimal import Decimal

import openpyxl
import openpyxl.utils
from django.utils.translation import gettext_lazy as _

# Our field, then the names a column may carry for it.
COLUMNS = {
    "external_ref": ("external_ref", "外部编号", "业务编号", "申请编号"),
    "branch": ("branch", "支行代码", "网点代码", "支行"),
    "officer": ("officer", "客户经理", "客户经理账号"),
    "borrower_name": ("borrower_name", "借款人姓名", "姓名"),
    "borrower_id_number": ("borrower_id_number", "身份证号", "身份证号码", "证件号码"),
    "borrower_phone": ("borrower_phone", "手机号", "手机号码", "手机"),
    "borrower_email": ("borrower_email", "邮箱", "电子邮件", "电子邮箱"),
    "property_address": ("property_address", "房产地址", "抵押物地址"),
    "loan_amount": ("loan_amount", "贷款金额", "贷款金额（元）", "贷款金额(元)"),
}
REQUIRED = ("external_ref", "branch", "officer", "borrower_name", "borrower_id_number", "property_address",
            "loan_amount")
TEMPLATE_HEADERS = ["外部编号", "支行代码", "客户经理", "借款人姓名", "身份证号", "手机号", "邮箱", "房产地址", "贷款金额"]
FORMATS = ("csv", "xlsx")
# Rows of cases per file: on SQLite the import holds the write lock while it
# writes them (about 5 s for 20,000), and other writers wait for it.
MAX_ROWS = 20_000
MAX_LINES = 2 * MAX_ROWS  # blank lines included
MAX_COLUMNS = 64
MAX_BYTES = 20 * 1024 * 1024
MAX_UNPACKED = 200 * 1024 * 1024


class FileRefused(Exception):
    """The file cannot be read as a table of cases at all (no row is checked)."""


def _header_map(headers):
    """{column index: our field} for the columns we know."""
    by_name = {alias.strip().lower(): field for field, aliases in COLUMNS.items() for alias in aliases}
    found = {}
    for index, header in enumerate(headers):
        field = by_name.get(str(header or "").strip().lower())
        if field and field not in found.values():
            found[index] = field
    missing = [field for field in REQUIRED if field not in found.values()]
    if missing:
        names = "、".join(COLUMNS[field][1] for field in missing)
        raise FileRefused(_("Columns missing: %(names)s. Download the template to see every column.") % {"names": names})
    return found


def _cell(value) -> str:
    """A cell as text: Excel gives numbers and dates, CSV gives strings."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 13812345678.0 from a number-formatted cell
    if isinstance(value, float):
        return str(Decimal(repr(value)))
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return str(value).strip()


def read_rows(content: bytes, file_name: str) -> list[dict]:
    """The file's rows as dicts of our fields (strings), each with `row`: its
    line in the spreadsheet (the header is line 1). FileRefused if the file
    is not a readable CSV or XLSX with the required columns.

    Read lazily and within bounds: a small file can declare a huge sheet (or
    compress to nothing), and one upload must not take a web worker down."""
    if len(content) > MAX_BYTES:
        raise FileRefused(_("The file is larger than 20 MB; split it into several files."))
    kind = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if kind not in FORMATS:
        raise FileRefused(_("Upload a CSV or an Excel (.xlsx) file."))
    try:
        return _rows(_lines(content, kind))
    except FileRefused:
        raise
    except Exception:  # noqa: BLE001 - whatever the parser raises, the user gets one clear message
        raise FileRefused(_("This file cannot be read as a %(kind)s table.") % {"kind": kind.upper()}) from None


def _rows(lines):
    headers = next(lines, None)
    if headers is None:
        raise FileRefused(_("The file is empty."))
    columns = _header_map(headers)
    rows, seen = [], 0
    for line, values in enumerate(lines, start=2):
        seen += 1
        if seen > MAX_LINES:
            raise FileRefused(_("The file has more than %(max)s rows; split it into several files.") % {"max": MAX_ROWS})
        if not any(_cell(v) for v in values):
            continue  # a blank line
        if len(rows) == MAX_ROWS:
            raise FileRefused(_("The file has more than %(max)s rows; split it into several files.") % {"max": MAX_ROWS})
        row = {field: _cell(values[index]) if index < len(values) else "" for index, field in columns.items()}
        for field in COLUMNS:
            row.setdefault(field, "")
        # Excel turns an ID number typed into a General cell into a number,
        # and keeps only 15 digits of it: say so, not "wrong check digit".
        id_index = next(index for index, field in columns.items() if field == "borrower_id_number")
        if id_index < len(values) and isinstance(values[id_index], (int, float)):
            row["id_number_was_a_number"] = True
        row["row"] = line
        rows.append(row)
    return rows


def _lines(content, kind):
    """The file's rows as lists of cells, one at a time."""
    if kind == "csv":
        # Excel saves CSV in UTF-8 with a BOM, or in GB18030 on Chinese Windows.
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise FileRefused(_("The CSV file is neither UTF-8 nor GB18030 text."))
        yield from csv.reader(io.StringIO(text))
        return
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED:
            raise FileRefused(_("This workbook unpacks to more than 200 MB; save it again, or split it."))
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        # The sheet's declared size can be a lie (A1:XFD1048576): read what is there.
        sheet.reset_dimensions()
        for values in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
            yield list(values)
    finally:
        book.close()


# What each column holds, for the template's instructions sheet.
TEMPLATE_NOTES = [
    ("外部编号", "进件系统中的申请编号，同一支行内唯一；再次导入同一文件时据此跳过已导入的案件", "LOS-2026-0001"),
    ("支行代码", "案件所属支行的代码", "BJ-CY"),
    ("客户经理", "负责该案件的客户经理的登录名", "bj_cy_officer1"),
    ("借款人姓名", "", "张三"),
    ("身份证号", "18 位居民身份证号；请保持本列为“文本”格式，否则 Excel 会改动最后几位", "110105199001010010"),
    ("手机号", "接收短信通知的手机号；手机号与邮箱至少填一项", "13812345678"),
    ("邮箱", "可留空", "zhangsan@example.com"),
    ("房产地址", "", "北京市朝阳区示例路1号"),
    ("贷款金额", "以元为单位", "1200000.00"),
]
TEXT_COLUMNS = ("外部编号", "身份证号", "手机号")


def template(kind) -> tuple[bytes, str]:
    """An empty file with every column, and its content type. The Excel
    template keeps the ID number, mobile and reference columns as text (a
    General cell turns an 18-digit ID into a number and changes its last
    digits) and explains each column on a second sheet."""
    if kind == "csv":
        return ("\ufeff" + ",".join(TEMPLATE_HEADERS) + "\r\n").encode("utf-8"), "text/csv; charset=utf-8"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "案件"
    sheet.append(TEMPLATE_HEADERS)
    for index, header in enumerate(TEMPLATE_HEADERS, start=1):
        letter = openpyxl.utils.get_column_letter(index)
        sheet.column_dimensions[letter].width = 22
        if header in TEXT_COLUMNS:
            for row in range(2, 1002):
                sheet.cell(row=row, column=index).number_format = "@"
    notes = book.create_sheet("填写说明")
    notes.append(["列", "说明", "示例"])
    for line in TEMPLATE_NOTES:
        notes.append(list(line))
    notes.column_dimensions["B"].width = 80
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
