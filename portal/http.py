from django.contrib.auth.models import User
from django.http import HttpRequest


class AuthedRequest(HttpRequest):
    """The request of a view behind login_required: the user is a real account."""

    user: User
