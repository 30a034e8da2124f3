from django.urls import path

from identity import api, views

auth_api = (
    [
        path("token/", api.TokenForCredentials.as_view(), name="token"),
        path("logout/", api.Logout.as_view(), name="logout"),
        path("logout-everywhere/", api.LogoutEverywhere.as_view(), name="logout-everywhere"),
    ],
    "auth-api",
)

pages = (
    [
        path("", views.api_tokens, name="api-tokens"),
        path("<str:token_key>/revoke/", views.api_token_revoked, name="api-token-revoke"),
        path("revoke-all/", views.api_tokens_revoked, name="api-tokens-revoke-all"),
    ],
    "identity",
)
