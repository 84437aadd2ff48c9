"""Reading an origination system's export (CSV or XLSX) into rows of case
fields. Nothing here checks or writes: cases.services.intake does.

The columns may be named in English (our field names) or in Chinese, as
bank staff name them; the order does not matter and other columns are
ignored. A template with every column is offered on the import page.
"""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import tablib
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
MAX_ROWS = 50_000
MAX_BYTES = 20 * 1024 * 1024


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
    is not a readable CSV or XLSX with the required columns."""
    if len(content) > MAX_BYTES:
        raise FileRefused(_("The file is larger than 20 MB; split it into several files."))
    kind = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if kind not in FORMATS:
        raise FileRefused(_("Upload a CSV or an Excel (.xlsx) file."))
    try:
        table = _load(content, kind)
    except FileRefused:
        raise
    except Exception:  # noqa: BLE001 - whatever the parser raises, the user gets one clear message
        raise FileRefused(_("This file cannot be read as a %(kind)s table.") % {"kind": kind.upper()}) from None
    if not table:
        raise FileRefused(_("The file is empty."))
    headers, *data = table
    if len(data) > MAX_ROWS:
        raise FileRefused(_("The file has more than %(max)s rows; split it into several files.") % {"max": MAX_ROWS})
    columns = _header_map(headers)
    rows = []
    for line, values in enumerate(data, start=2):
        if not any(_cell(v) for v in values):
            continue  # a blank line
        row = {field: _cell(values[index]) if index < len(values) else "" for index, field in columns.items()}
        for field in COLUMNS:
            row.setdefault(field, "")
        row["row"] = line
        rows.append(row)
    return rows


def _load(content, kind):
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
        return [row for row in csv.reader(io.StringIO(text))]
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def template(kind) -> tuple[bytes, str]:
    """An empty file with every column, and its content type."""
    data = tablib.Dataset(headers=TEMPLATE_HEADERS)
    data.append(["LOS-2026-0001", "BJ-CY", "bj_cy_officer1", "张三", "110105199001010010", "13812345678",
                 "zhangsan@example.com", "北京市朝阳区示例路1号", "1200000.00"])
    if kind == "csv":
        return data.export("csv").encode("utf-8-sig"), "text/csv; charset=utf-8"
    return data.export("xlsx"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
