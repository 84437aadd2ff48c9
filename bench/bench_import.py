"""Benchmark: importing an origination system's file, against seed_demo in
the same run. Run by hand:

    DEBUG=1 .venv/bin/python bench/bench_import.py [--rows 10000] [--seed-cases 2000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lf_bench DEBUG=1 .venv/bin/python bench/bench_import.py

In a throwaway database: seed_demo builds --seed-cases cases (with their
histories, notices and events) and gives its rate; then a CSV of --rows new
cases for the demo branches is read, checked (the dry run) and imported, and
a copy with 3% bad rows is checked. Prints rows per second for each step and
the import's rate against seed_demo's.
"""

import argparse
import csv
import io
import time

from bench_notifications import create_database, setup_django

HEADERS = ["外部编号", "支行代码", "客户经理", "借款人姓名", "身份证号", "手机号", "邮箱", "房产地址", "贷款金额"]


def id_number(serial):
    from cases.identity import id_number_check_char

    first17 = f"310101{1960 + serial % 40}{1 + serial % 12:02d}{1 + serial % 28:02d}{serial % 1000:03d}"
    return first17 + id_number_check_char(first17)


def csv_file(rows, bad_every=None, prefix="BENCH"):
    from cases.models import Branch, Role, User

    officers = [(u.branch.code, u.username) for u in User.objects.filter(groups__name=Role.OFFICER).select_related("branch")]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    bad = 0
    for n in range(rows):
        branch, officer = officers[n % len(officers)]
        row = [f"{prefix}-{n:07d}", branch, officer, "测试借款人", id_number(n), f"139{n:08d}", "", "上海市黄浦区测试路1号",
               f"{800000 + n}.00"]
        if bad_every and n % bad_every == 0:
            row[4] = row[4][:17] + ("0" if row[4][17] != "0" else "1")
            bad += 1
        writer.writerow(row)
    assert Branch.objects.exists()
    return out.getvalue().encode("utf-8-sig"), bad


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--seed-cases", type=int, default=2000)
    args = parser.parse_args()
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    from cases import importing, services
    from cases.models import CaseImport, LoanCase, User

    create_database()
    started = time.monotonic()
    call_command("seed_demo", cases=args.seed_cases, jobs=1, password="bench-pass-2026", stdout=io.StringIO())
    seed_seconds = time.monotonic() - started
    seed_rate = args.seed_cases / seed_seconds
    actor = User.objects.get(username="hq1")
    print(f"{connection.vendor}: seed_demo {args.seed_cases} cases in {seed_seconds:.1f} s: {seed_rate:,.0f} cases/s "
          "(each with its history, notices and events)")

    content, _ = csv_file(args.rows)
    timings = {}
    started = time.monotonic()
    rows = importing.read_rows(content, "bench.csv")
    timings["read"] = time.monotonic() - started
    started = time.monotonic()
    checked = services.import_check(actor=actor, rows=rows, file_name="bench.csv")
    timings["check"] = time.monotonic() - started
    assert checked.status == CaseImport.Status.CHECKED, checked.problems[:3]
    before = LoanCase.objects.count()
    started = time.monotonic()
    done = services.import_run(actor=actor, case_import=checked)
    timings["import"] = time.monotonic() - started
    assert done.status == CaseImport.Status.IMPORTED and LoanCase.objects.count() == before + args.rows
    total = sum(timings.values())
    print(f"import of {args.rows:,} rows ({len(content) / 1e6:.1f} MB CSV): "
          + ", ".join(f"{step} {seconds:.2f} s" for step, seconds in timings.items())
          + f"; {args.rows / total:,.0f} rows/s in all ({total:.1f} s)")
    print(f"  against seed_demo: {args.rows / total / seed_rate:.1f}x its cases/s "
          "(an import writes the case and its first deadline only; the demo writes a history per case)")

    bad_content, bad = csv_file(args.rows, bad_every=33, prefix="BAD")
    started = time.monotonic()
    refused = services.import_check(actor=actor, rows=importing.read_rows(bad_content, "bad.csv"), file_name="bad.csv")
    seconds = time.monotonic() - started
    named = len({p["row"] for p in refused.problems})
    print(f"a copy with {bad} bad rows ({bad / args.rows:.0%}): checked in {seconds:.2f} s "
          f"({args.rows / seconds:,.0f} rows/s), {named} rows named, status {refused.status}, "
          f"cases written {LoanCase.objects.count() - before - args.rows}")


if __name__ == "__main__":
    main()
