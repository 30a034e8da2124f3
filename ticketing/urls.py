from django.urls import path

from ticketing import api

expert_api = (
    [
        path("assignments/", api.AssignmentList.as_view(), name="assignments"),
        path("assignments/<int:pk>/accept/", api.AssignmentAccept.as_view(), name="accept"),
        path("assignments/<int:pk>/reject/", api.AssignmentReject.as_view(), name="reject"),
        path("assignments/<int:pk>/start/", api.AssignmentStart.as_view(), name="start"),
        path("assignments/<int:pk>/complete/", api.AssignmentComplete.as_view(), name="complete"),
        path("articles/", api.ArticleListCreate.as_view(), name="articles"),
        path("articles/<int:pk>/", api.ArticleDetail.as_view(), name="article"),
    ],
    "ticketing-api",
)
