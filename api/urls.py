from django.urls import URLPattern, URLResolver, path

from api import views
from api.api import api

# No app_name here: the NinjaAPI brings its own namespace ("api"), which its docs page reverses.
urlpatterns: list[URLPattern | URLResolver] = [
    path("v1/", api.urls),
    path("tokens/", views.tokens, name="api-tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="api-token-revoke"),
    path("systems/", views.systems, name="api-systems"),
    path("systems/<int:account_id>/tokens/", views.system_token_issue, name="api-system-token"),
    path(
        "systems/tokens/<int:token_id>/revoke/",
        views.system_token_revoke,
        name="api-system-token-revoke",
    ),
]
