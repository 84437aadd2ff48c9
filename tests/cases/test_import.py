"""Importing cases from an origination system's export: every bad row named
with its reason, nothing written unless every row is good, a second import
of the same file opens nothing twice."""

import csv
import datetime
import io
import re
import zipfile

import openpyxl
import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from cases import importing, services
from cases.identity import id_number_check_char
from cases.models import CaseImport, LoanCase, SlaPolicy
from cases.services import TransitionRefused, intake
from tests.base import make_user

pytestmark = pytest.mark.django_db

HEADERS = ["外部编号", "支行代码", "客户经理", "借款人姓名", "身份证号", "手机号", "邮箱", "房产地址", "贷款金额"]
# One fault per bad row, in turn, and the column the report must name.
FAULTS = [
    ("身份证号", "borrower_id_number", lambda row: row[:17] + ("0" if row[17] != "0" else "1")),
    ("手机号", "borrower_phone", lambda value: "1234567"),
    ("支行代码", "branch", lambda value: "NOWHERE"),
    ("客户经理", "officer", lambda value: "nobody"),
    ("贷款金额", "loan_amount", lambda value: "一百万"),
]


def id_number(serial):
    first17 = f"110105{1960 + serial % 40}{1 + serial % 12:02d}{1 + serial % 28:02d}{serial % 1000:03d}"
    return first17 + id_number_check_char(first17)


def make_rows(count, bad_every=None):
    """(rows as lists of cells, {row number in the sheet: column named})."""
    rows, bad = [], {}
    for n in range(count):
        row = [f"LOS-{n:06d}", "A", "officer", "张三", id_number(n), f"138{n:08d}", "", "北京市朝阳区建国路1号",
               "1200000.00"]
        if bad_every and n % bad_every == bad_every - 1:
            header, column, spoil = FAULTS[(n // bad_every) % len(FAULTS)]
            index = HEADERS.index(header)
            row[index] = spoil(row[index])
            bad[n + 2] = column  # the header is row 1
        rows.append(row)
    return rows, bad


def csv_bytes(rows, encoding="utf-8-sig"):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def importer(head_office):
    return head_office


def check(actor, content, name="cases.csv"):
    return services.import_check(actor=actor, rows=importing.read_rows(content, name), file_name=name)


def test_a_file_of_ten_thousand_rows_with_three_percent_bad_names_every_bad_row_and_writes_nothing(
    importer, branch_a, officer
):
    rows, bad = make_rows(10_000, bad_every=33)
    assert len(bad) == 303
    checked = check(importer, csv_bytes(rows))
    assert checked.status == CaseImport.Status.REFUSED
    assert {p["row"]: p["column"] for p in checked.problems} == bad  # every bad row, with the column at fault
    assert checked.rows == []  # nothing kept to import
    assert not LoanCase.objects.exists()
    # A masked value in the report: it is read by more people than the file.
    id_problem = next(p for p in checked.problems if p["column"] == "borrower_id_number")
    raw = rows[id_problem["row"] - 2][HEADERS.index("身份证号")]
    assert "*" in id_problem["value"] and raw not in id_problem["value"] and raw[-4:] in id_problem["value"]


def test_a_good_file_imports_whole_and_a_second_import_opens_nothing_twice(importer, branch_a, officer):
    rows, _ = make_rows(120)
    checked = check(importer, csv_bytes(rows))
    assert (checked.status, checked.new_rows, checked.existing_rows) == (CaseImport.Status.CHECKED, 120, 0)
    assert not LoanCase.objects.exists()  # the check writes no case
    done = services.import_run(actor=importer, case_import=checked)
    assert (done.status, done.new_rows) == (CaseImport.Status.IMPORTED, 120)
    assert LoanCase.objects.count() == 120 and done.rows == []
    assert {c.status for c in LoanCase.objects.all()} == {"submitted"}
    assert all(c.due_at is not None for c in LoanCase.objects.all())
    assert done.first_number < done.last_number

    again = check(importer, csv_bytes(rows))
    assert (again.status, again.new_rows, again.existing_rows) == (CaseImport.Status.CHECKED, 0, 120)
    services.import_run(actor=importer, case_import=again)
    assert LoanCase.objects.count() == 120
    # A second click on "import" does nothing more.
    assert services.import_run(actor=importer, case_import=done).status == CaseImport.Status.IMPORTED
    assert LoanCase.objects.count() == 120


def test_a_reference_twice_in_one_file_is_a_bad_row(importer, branch_a, officer):
    rows, _ = make_rows(3)
    rows[2][0] = rows[0][0]
    checked = check(importer, csv_bytes(rows))
    assert [(p["row"], p["column"], p["message"]) for p in checked.problems] == [
        (4, "external_ref", "The same reference as row 2.")
    ]


def test_a_case_opened_between_check_and_import_refuses_the_file(importer, branch_a, officer):
    rows, _ = make_rows(5)
    checked = check(importer, csv_bytes(rows))
    first = check(importer, csv_bytes(rows[:1]))
    services.import_run(actor=importer, case_import=first)
    done = services.import_run(actor=importer, case_import=checked)
    assert done.status == CaseImport.Status.REFUSED
    assert LoanCase.objects.count() == 1  # none of the other four


def test_excel_with_chinese_headers_numbers_for_phones_and_a_gb18030_csv(importer, branch_a, officer):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["贷款金额", "借款人姓名", "外部编号", "支行代码", "客户经理", "身份证号", "手机号", "房产地址", "备注"])
    sheet.append([1350000.5, "李四", "LOS-X1", "A", "officer", id_number(7), 13912345678, "北京市海淀区1号", "忽略"])
    content = io.BytesIO()
    book.save(content)
    checked = check(importer, content.getvalue(), "cases.xlsx")
    assert checked.problems == [] and checked.rows[0]["borrower_phone"] == "13912345678"
    assert checked.rows[0]["loan_amount"] == "1350000.5"
    rows, _ = make_rows(2)
    assert check(importer, csv_bytes(rows, "gb18030")).status == CaseImport.Status.CHECKED


@pytest.mark.parametrize(
    "content, name, message",
    [
        (b"", "cases.csv", "The file is empty."),
        (b"a,b\n1,2\n", "cases.csv", "Columns missing"),
        (b"PK\x03\x04 not really", "cases.xlsx", "cannot be read as a XLSX table"),
        (b"x", "cases.pdf", "Upload a CSV or an Excel (.xlsx) file."),
    ],
)
def test_a_file_that_is_not_a_table_of_cases_is_refused_with_a_reason(content, name, message):
    with pytest.raises(importing.FileRefused, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        importing.read_rows(content, name)


def test_only_head_office_imports(branch_a, officer):
    rows, _ = make_rows(1)
    with pytest.raises(TransitionRefused):
        check(officer, csv_bytes(rows))
    supervisor = make_user("sup", "supervisor", branch_a)
    with pytest.raises(TransitionRefused):
        check(supervisor, csv_bytes(rows))


def test_the_command_reports_bad_rows_and_imports_good_files(importer, branch_a, officer, tmp_path):
    rows, bad = make_rows(40, bad_every=10)
    path = tmp_path / "cases.csv"
    path.write_bytes(csv_bytes(rows))
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("import_cases", str(path), "--user", importer.username, stdout=out)
    assert exit_.value.code == 1
    assert "40 rows: 36 new, 0 already imported, 4 bad" in out.getvalue()
    assert all(f"row {row}, " in out.getvalue() for row in bad)
    assert not LoanCase.objects.exists()

    good, _ = make_rows(40)
    path.write_bytes(csv_bytes(good))
    out = io.StringIO()
    call_command("import_cases", str(path), "--user", importer.username, "--dry-run", stdout=out)
    assert "Dry run: nothing was imported." in out.getvalue() and not LoanCase.objects.exists()
    out = io.StringIO()
    call_command("import_cases", str(path), "--user", importer.username, stdout=out)
    assert "Imported 40 new cases (HL-" in out.getvalue()
    assert LoanCase.objects.count() == 40


def test_the_template_is_a_file_the_import_reads_and_keeps_id_numbers_as_text():
    for kind in importing.FORMATS:
        content, _type = importing.template(kind)
        assert importing.read_rows(content, f"template.{kind}") == []  # no sample row to import by mistake
    book = openpyxl.load_workbook(io.BytesIO(importing.template("xlsx")[0]))
    cases, notes = book.worksheets
    assert cases.title == "案件" and notes.title == "填写说明"
    id_column = [c.value for c in cases[1]].index("身份证号") + 1
    assert cases.cell(row=2, column=id_column).number_format == "@"  # text: Excel keeps all 18 digits


def test_an_id_number_that_excel_turned_into_a_number_says_so(importer, branch_a, officer):
    book = openpyxl.Workbook()
    book.active.append(HEADERS)
    book.active.append(["LOS-1", "A", "officer", "张三", 110105199001010010, "13812345678", "", "地址", "100"])
    content = io.BytesIO()
    book.save(content)
    checked = check(importer, content.getvalue(), "cases.xlsx")
    assert [p["message"] for p in checked.problems] == [
        "Excel stored this ID number as a number and changed its last digits: format the column as Text and type "
        "the number again."
    ]


def test_a_known_reference_for_another_borrower_is_a_bad_row_not_a_skip(importer, branch_a, officer):
    rows, _ = make_rows(1)
    services.import_run(actor=importer, case_import=check(importer, csv_bytes(rows)))
    rows[0][HEADERS.index("身份证号")] = id_number(999)
    checked = check(importer, csv_bytes(rows))
    assert checked.status == CaseImport.Status.REFUSED and checked.existing_rows == 0
    assert "of another borrower" in checked.problems[0]["message"]


def test_an_email_too_long_for_the_case_is_a_bad_row(importer, branch_a, officer):
    rows, _ = make_rows(1)
    rows[0][HEADERS.index("邮箱")] = "a" * 64 + "@" + ("b" * 63 + ".") * 3 + "cn"
    checked = check(importer, csv_bytes(rows))
    assert [p["column"] for p in checked.problems] == ["borrower_email"]


def test_a_case_the_rows_passed_but_the_write_refused_refuses_the_file(importer, branch_a, officer):
    rows, _ = make_rows(3)
    checked = check(importer, csv_bytes(rows))
    SlaPolicy.objects.filter(state="submitted").delete()  # no deadline can be computed now
    done = services.import_run(actor=importer, case_import=checked)
    assert done.status == CaseImport.Status.REFUSED and "Nothing was imported" in done.problems[0]["message"]
    assert not LoanCase.objects.exists()


def test_rows_checked_but_never_imported_are_forgotten_after_a_day(importer, branch_a, officer):
    rows, _ = make_rows(2)
    checked = check(importer, csv_bytes(rows))
    assert intake.imports_forget_unimported(now=timezone.now()) == 0
    assert intake.imports_forget_unimported(now=timezone.now() + datetime.timedelta(hours=25)) == 1
    checked.refresh_from_db()
    assert (checked.status, checked.rows) == (CaseImport.Status.REFUSED, [])


def test_a_sheet_that_declares_a_million_rows_is_read_as_what_it_holds(importer, branch_a, officer):
    # A 2 KB workbook can claim A1:XFD1048576; read-only openpyxl pads every
    # row to the claimed size unless told otherwise (gigabytes of memory).
    book = openpyxl.Workbook()
    book.active.append(HEADERS)
    book.active.append(["LOS-1", "A", "officer", "张三", id_number(1), "13812345678", "", "地址", "100"])
    plain = io.BytesIO()
    book.save(plain)
    inflated = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(inflated, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]+"', b'<dimension ref="A1:XFD1048576"', data)
            target.writestr(item, data)
    rows = importing.read_rows(inflated.getvalue(), "cases.xlsx")
    assert [row["external_ref"] for row in rows] == ["LOS-1"]


def test_a_workbook_that_unpacks_too_large_or_a_file_with_too_many_lines_is_refused(monkeypatch):
    book = openpyxl.Workbook()
    book.active.append(HEADERS)
    content = io.BytesIO()
    book.save(content)
    monkeypatch.setattr(importing, "MAX_UNPACKED", 1000)
    with pytest.raises(importing.FileRefused, match="unpacks to more than"):
        importing.read_rows(content.getvalue(), "cases.xlsx")
    monkeypatch.setattr(importing, "MAX_ROWS", 10)
    monkeypatch.setattr(importing, "MAX_LINES", 20)
    blank_lines = ",".join(HEADERS).encode() + b"\n" + b",,,,,,,,\n" * 25
    with pytest.raises(importing.FileRefused, match="more than 10 rows"):
        importing.read_rows(blank_lines, "cases.csv")
