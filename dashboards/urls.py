from django.urls import path

from dashboards import views, views_calendar, views_intake, views_reports

# The names stay cases:…: they name the pages (a case's page is cases:detail),
# not the app that serves them.
app_name = "cases"

urlpatterns = [
    path("", views.home, name="home"),
    path("tasks/<int:pk>/complete/", views.task_complete, name="task_complete"),
    path("cases/new/", views_intake.case_new, name="new"),  # before cases/<number>/
    path("cases/<str:number>/", views.case_detail, name="detail"),
    path("cases/<str:number>/transition/", views.case_transition, name="transition"),
    path("cases/<str:number>/unmask/", views.case_unmask, name="unmask"),
    path("cases/<str:number>/resend-link/", views.case_resend_link, name="resend_link"),
    path("cases/<str:number>/contact/", views.case_correct_contact, name="correct_contact"),
    path("overdue/", views_reports.overdue_list, name="overdue"),
    path("overdue/export.<str:fmt>", views_reports.overdue_export, name="overdue_export"),
    path("notices/", views_reports.notice_monitor, name="notices"),
    path("notices/<int:pk>/retry/", views_reports.notice_retry, name="notice_retry"),
    path("notices/<int:pk>/handled/", views_reports.notice_handled, name="notice_handled"),
    path("supervisor/report/", views_reports.supervisor_report, name="report"),
    path("supervisor/report/<str:table>.<str:fmt>", views_reports.report_export, name="report_export"),
    path("supervisor/bulk/", views_reports.bulk_change, name="bulk"),
    path("supervisor/access-log/", views_reports.access_log, name="access_log"),
    path("supervisor/access-log/export.<str:fmt>", views_reports.access_log_export, name="access_log_export"),
    path("search/", views_intake.case_search, name="search"),
    path("imports/", views_intake.case_import, name="import"),
    path("imports/template.<str:kind>", views_intake.case_import_template, name="import_template"),
    path("imports/<int:pk>/", views_intake.case_import_detail, name="import_detail"),
    path("imports/<int:pk>/run/", views_intake.case_import_run, name="import_run"),
    path("imports/<int:pk>/problems.csv", views_intake.case_import_report, name="import_report"),
    path("calendar/", views_calendar.calendar_years, name="calendar"),
    path("calendar/go/", views_calendar.calendar_go, name="calendar_go"),
    path("calendar/<int:year>/", views_calendar.calendar_year, name="calendar_year"),
    path("calendar/<int:year>/edit/", views_calendar.calendar_edit, name="calendar_edit"),
]
