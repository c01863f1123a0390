from django.urls import URLPattern, URLResolver, include, path

app_name = "payments"

urlpatterns: list[URLPattern | URLResolver] = []
urlpatterns.append(path("grants/", include("payments.urls_grants")))
