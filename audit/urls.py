from django.urls import URLPattern, URLResolver, path

from audit import views_search

app_name = "audit"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views_search.home, name="home"),
    path("search/", views_search.search, name="search"),
    path("search/export.<str:fmt>", views_search.search_export, name="search-export"),
]
