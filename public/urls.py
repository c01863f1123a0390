"""The public site: no sign-in. Notices, objections and disclosure (urls_site) and online
applications with progress lookup (urls_apply) share one namespace."""

from django.urls import URLPattern, URLResolver

from public import urls_apply, urls_site

app_name = "public"

urlpatterns: list[URLPattern | URLResolver] = [*urls_site.urlpatterns, *urls_apply.urlpatterns]
