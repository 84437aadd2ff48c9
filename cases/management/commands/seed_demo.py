"""Demo data: branches, staff in every role, and cases with real histories.

Every case goes through cases.services.cases_import_with_history, which
applies each step with the same checks, deadlines, audit rows and notices as
case_transition, only written in bulk and with the clock set back; old
notices are given realistic outcomes (notifications.demo). Running it again
tops the cases up to --cases and resets the demo users' passwords; nothing
is doubled.
"""

import datetime
import multiprocessing
import os
import random
import secrets
import time
from decimal import Decimal

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections, transaction
from django.test.utils import override_settings
from django.utils import timezone

from cases import services
from cases.identity import id_number_check_char
from cases.models import Branch, LoanCase, Role, User
from cases.states import FINAL_STATES, CaseState
from notifications import services as notification_services
from notifications.demo import DemoOutcomes

BRANCHES = [
    ("BJ-CY", "北京朝阳支行", "010-6588-1000", "周一至周五 9:00–17:30，调休工作日照常"),
    ("SH-PD", "上海浦东支行", "021-5081-2000", "周一至周五 9:00–17:30，调休工作日照常"),
    ("GZ-TH", "广州天河支行", "020-3886-3000", "周一至周五 9:00–17:30，调休工作日照常"),
]
# (username suffix, role, given name, family name)
BRANCH_STAFF = [
    ("officer1", Role.OFFICER, "芳", "王"),
    ("officer2", Role.OFFICER, "强", "李"),
    ("officer3", Role.OFFICER, "静", "张"),
    ("supervisor", Role.SUPERVISOR, "伟", "刘"),
]
HEAD_OFFICE_STAFF = [("hq1", Role.HEAD_OFFICE, "敏", "陈"), ("hq2", Role.HEAD_OFFICE, "磊", "杨")]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志强海燕雪梅晓东文博子涵浩然欣怡宇轩"
DISTRICTS = {
    "BJ-CY": ("北京市朝阳区", ["建国路", "朝阳北路", "望京街", "东三环中路", "酒仙桥路"], "110105"),
    "SH-PD": ("上海市浦东新区", ["世纪大道", "张杨路", "陆家嘴环路", "浦东南路", "锦绣路"], "310115"),
    "GZ-TH": ("广州市天河区", ["天河路", "体育西路", "珠江新城花城大道", "黄埔大道", "中山大道"], "440106"),
}
MOBILE_PREFIXES = ["130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "158", "159", "186", "187", "188", "189"]
DOCUMENTS = ["收入证明", "银行流水（近6个月）", "购房合同", "首付款凭证", "婚姻状况证明", "户口本"]

# Where demo cases end up, and how often (weights).
TARGETS = [
    (CaseState.SUBMITTED, 7),
    (CaseState.SIGNED, 6),
    (CaseState.UNDER_REVIEW, 14),
    (CaseState.DOCUMENTS_REQUESTED, 8),
    (CaseState.APPROVED, 8),
    (CaseState.REGISTRATION, 12),
    (CaseState.DISBURSED, 27),
    (CaseState.REJECTED, 7),
    (CaseState.ON_HOLD, 6),
    (CaseState.WITHDRAWN, 5),
]
MAIN_LINE = ["sign", "start_review", "approve", "start_registration", "disburse"]
SUPERVISOR_STEPS = {"approve", "reject", "disburse", "hold", "resume"}
REASONS = {
    "reject": ["借款人负债率超过审批标准", "房产评估价值不足"],
    "hold": ["房贷政策调整，等待总行通知", "限购政策变化，暂缓审批"],
    "withdraw": ["借款人决定不再购买该房产", "借款人改为全款购房"],
}
# The reason a borrower is given for a documents request names what is missing.
DOCUMENT_REASON = "审批需要上述材料，请尽快补齐"


# Connections a forked child found open and must leave alone (see make_cases_in_child).
_INHERITED = []


def plan_steps(rng, target):
    """The transitions that take a new case to `target`, with detours."""
    docs_detour = rng.random() < 0.35
    if target == CaseState.SUBMITTED:
        return []
    if target == CaseState.WITHDRAWN:
        stop = rng.randint(0, 3)
        return MAIN_LINE[:stop] + ["withdraw"]
    if target == CaseState.REJECTED:
        return ["sign", "start_review"] + (["request_documents"] if docs_detour else []) + ["reject"]
    if target == CaseState.DOCUMENTS_REQUESTED:
        return ["sign", "start_review", "request_documents"]
    if target == CaseState.ON_HOLD:
        return MAIN_LINE[: rng.randint(0, 4)] + ["hold"]
    stop = {
        CaseState.SIGNED: 1,
        CaseState.UNDER_REVIEW: 2,
        CaseState.APPROVED: 3,
        CaseState.REGISTRATION: 4,
        CaseState.DISBURSED: 5,
    }[target]
    steps = MAIN_LINE[:stop]
    if stop >= 3 and docs_detour:
        steps = steps[:2] + ["request_documents", "receive_documents"] + steps[2:]
    if stop >= 3 and rng.random() < 0.1:
        # Held for a while by a policy change, then resumed.
        steps = steps[:2] + ["hold", "resume"] + steps[2:]
    return steps


def make_id_number(rng, region):
    birth = datetime.date(1965, 1, 1) + datetime.timedelta(days=rng.randint(0, 365 * 35))
    first17 = f"{region}{birth:%Y%m%d}{rng.randint(0, 999):03d}"
    return first17 + id_number_check_char(first17)


class Command(BaseCommand):
    help = "Create demo branches, staff and loan cases (idempotent; tops up to --cases)."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=500, help="number of demo cases wanted in all")
        parser.add_argument("--password", default=None, help="password for every demo user (default: random)")
        parser.add_argument("--seed", type=int, default=20261129, help="random seed, for repeatable data")
        parser.add_argument(
            "--jobs",
            type=int,
            default=None,
            help="processes that build cases side by side (default: one per CPU, at most 4, from 10,000 new cases)",
        )

    def handle(self, *args, **options):
        if options["cases"] < 0:
            raise CommandError("--cases must be zero or more.")
        if options["jobs"] is not None and options["jobs"] < 1:
            raise CommandError("--jobs must be one or more.")
        password = options["password"] or secrets.token_urlsafe(9)
        rng = random.Random(options["seed"])
        now = timezone.now()

        branches, staff = self.ensure_staff(password)
        existing = LoanCase.objects.filter(branch__in=branches).count()
        wanted = options["cases"] - existing
        started = time.monotonic()
        jobs = 0
        if wanted > 0:
            jobs = options["jobs"] or (min(4, os.cpu_count() or 1) if wanted >= 10000 else 1)
            if connection.in_atomic_block or (connection.vendor == "sqlite" and connection.is_in_memory_db()):
                jobs = 1  # another process could not see the staff rows just written
            # DEBUG keeps every statement with its parameters, quoted (SQLite
            # asks the database, a query per statement): a sixth of the time
            # of a large seed, for a log nobody reads.
            with override_settings(DEBUG=False):
                self.make_cases_in_parallel(rng, wanted, jobs, branches, staff, now)
        elapsed = time.monotonic() - started

        built_by = f", {jobs} processes" if jobs > 1 else ""
        self.stdout.write(
            f"Demo cases: {LoanCase.objects.count()} in all ({max(wanted, 0)} new{built_by}, {elapsed:.1f} s)."
        )
        overdue = LoanCase.objects.exclude(status__in=FINAL_STATES).filter(due_at__lt=now).count()
        self.stdout.write(f"Overdue now: {overdue}.")
        self.stdout.write("")
        self.stdout.write(f"{'username':<20}{'role':<14}{'branch':<16}password")
        for user in staff["all"]:
            role = ",".join(sorted(user.role_names)) or ("superuser" if user.is_superuser else "-")
            branch = user.branch.code if user.branch else "HEAD OFFICE"
            self.stdout.write(f"{user.username:<20}{role:<14}{branch:<16}{password}")

    @transaction.atomic
    def ensure_staff(self, password):
        branches = []
        staff = {"all": [], "officers": {}, "supervisor": {}, "head_office": []}
        for code, name, hotline, hours in BRANCHES:
            branch, _ = Branch.objects.update_or_create(
                code=code, defaults={"name": name, "hotline": hotline, "hotline_hours": hours}
            )
            branches.append(branch)
            staff["officers"][branch.pk] = []
            for suffix, role, first, last in BRANCH_STAFF:
                user = self.ensure_user(f"{code.lower().replace('-', '_')}_{suffix}", role, branch, first, last, password)
                staff["all"].append(user)
                if role == Role.OFFICER:
                    staff["officers"][branch.pk].append(user)
                else:
                    staff["supervisor"][branch.pk] = user
        for username, role, first, last in HEAD_OFFICE_STAFF:
            user = self.ensure_user(username, role, None, first, last, password)
            staff["head_office"].append(user)
            staff["all"].append(user)
        admin = self.ensure_user("admin", None, None, "管理员", "", password)
        if not admin.is_superuser:
            admin.is_superuser = admin.is_staff = True
            admin.save(update_fields=["is_superuser", "is_staff"])
        staff["all"].append(admin)
        return branches, staff

    def ensure_user(self, username, role, branch, first, last, password):
        user, _ = User.objects.get_or_create(username=username, defaults={"branch": branch})
        user.first_name, user.last_name, user.branch, user.is_active = first, last, branch, True
        user.set_password(password)
        user.save()
        if role:
            user.groups.set([Group.objects.get(name=role)])
        return user

    def make_cases_in_parallel(self, rng, count, jobs, branches, staff, now):
        """Split the cases between `jobs` forked processes, each with its own
        connection and random stream. Building a case (checks, deadlines,
        rendered notices) is CPU work done outside any transaction; each batch
        is then written in a short one. PostgreSQL takes the writes side by
        side; SQLite one at a time, so there the gain is smaller."""
        shares = [count // jobs + (1 if job < count % jobs else 0) for job in range(jobs)]
        seeds = [rng.randrange(2**32) for _ in shares]
        if jobs == 1:
            self.make_cases(random.Random(seeds[0]), count, branches, staff, now)
            return
        connections.close_all()  # a connection must not be shared with a child
        context = multiprocessing.get_context("fork")
        processes = [
            context.Process(target=self.make_cases_in_child, args=(random.Random(seed), share, branches, staff, now))
            for seed, share in zip(seeds, shares)
        ]
        for process in processes:
            process.start()
        for process in processes:
            process.join()
        failed = [process.exitcode for process in processes if process.exitcode != 0]
        if failed:
            raise CommandError(
                f"{len(failed)} of {jobs} processes failed (exit codes {failed}); the cases they wrote "
                "before failing stay. Run the command again to top up to --cases."
            )

    def make_cases_in_child(self, rng, count, branches, staff, now):
        # close_all() above closes the connections of the running context; one
        # opened elsewhere in the thread (the browser tests run an event loop)
        # is copied here still open. It is the parent's: set it aside, neither
        # used nor freed (freeing a SQLite connection may checkpoint the WAL).
        for wrapper in connections.all(initialized_only=True):
            if wrapper.connection is not None:
                _INHERITED.append(wrapper.connection)
                wrapper.connection = None
        try:
            self.make_cases(rng, count, branches, staff, now)
        finally:
            connections.close_all()

    def make_cases(self, rng, count, branches, staff, now):
        weights = [w for _, w in TARGETS]
        targets = [t for t, _ in TARGETS]

        def histories():
            for made in range(1, count + 1):
                yield self.plan_case(rng, rng.choices(targets, weights)[0], rng.choice(branches), staff, now)
                if made % 10000 == 0:
                    self.stdout.write(f"  {made}/{count} cases planned")

        # Old notices are written with their outcomes; the last day's stay queued for the worker.
        outcomes = DemoOutcomes(now=now, seed=rng.randrange(2**32))
        with notification_services.dispatch_suppressed(settle=outcomes):
            services.cases_import_with_history(histories())

    def plan_case(self, rng, target, branch, staff, now):
        """The new case's fields and its backdated steps towards `target`."""
        city, streets, region = DISTRICTS[branch.code]
        officer = rng.choice(staff["officers"][branch.pk])
        supervisor = staff["supervisor"][branch.pk]
        steps = plan_steps(rng, target)
        # Older cases for longer histories; the newest are a few hours old.
        at = now - datetime.timedelta(days=rng.uniform(0.1, 6 + 9 * len(steps)))
        fields = {
            "at": at,
            "branch": branch,
            "officer": officer,
            "borrower_name": rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2))),
            "borrower_id_number": make_id_number(rng, region),
            "borrower_phone": f"{rng.choice(MOBILE_PREFIXES)}{rng.randint(10000000, 99999999)}",
            "borrower_email": f"borrower{rng.randint(100000, 999999)}@example.com" if rng.random() < 0.8 else "",
            "property_address": f"{city}{rng.choice(streets)}{rng.randint(1, 399)}号{rng.randint(1, 30)}栋{rng.randint(101, 2808)}室",
            "loan_amount": Decimal(rng.randrange(300_000, 6_000_000, 10_000)),
        }
        planned = []
        remaining = now - at
        for index, name in enumerate(steps):
            # Spread the steps over the case's age; some linger past their SLA.
            at = at + remaining / (len(steps) - index + rng.uniform(0.2, 1.5))
            remaining = now - at
            actor = supervisor if name in SUPERVISOR_STEPS else officer
            if name == "disburse":
                # 贷放分控: the supervisor approved it, so head office pays it out.
                actor = rng.choice(staff["head_office"])
            reason = rng.choice(REASONS[name]) if name in REASONS else ""
            payload = None
            if name == "request_documents":
                reason, payload = DOCUMENT_REASON, {"documents": rng.sample(DOCUMENTS, rng.randint(1, 3))}
            planned.append((name, actor, reason, payload, at))
        return fields, planned
