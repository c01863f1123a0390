from django.urls import URLPattern, URLResolver

# The API's routes (api/api.py) are added here once it exists.
urlpatterns: list[URLPattern | URLResolver] = []
