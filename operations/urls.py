from django.urls import path

from operations import views

health = (
    [
        path("live/", views.live, name="live"),
        path("ready/", views.ready, name="ready"),
    ],
    "health",
)

staff = (
    [
        path("status/", views.quanta_status, name="quanta-status"),
        path("dead-letters/", views.dead_letters, name="dead-letters"),
        path("trace/", views.message_trace_page, name="trace"),
    ],
    "operations",
)

monitoring = ([path("metrics", views.metrics, name="metrics")], "monitoring")
