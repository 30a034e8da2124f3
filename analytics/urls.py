from django.urls import path

from analytics import views

reports = (
    [
        path("<slug:slug>/", views.report_page, name="report"),
        path("<slug:slug>.csv", views.report_csv, name="report-csv"),
    ],
    "analytics",
)
