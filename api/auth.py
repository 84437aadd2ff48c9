"""Bearer-token authentication for the API: the request acts as the
client's service account, and request.auth is the ApiClient."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from api import services, tokens
from api.models import ApiClient


class ClientTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send the token as: Authorization: Bearer <token>."))
        try:
            token = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("This token is not valid.")) from None
        prefix = tokens.prefix_of(token)
        client = (
            ApiClient.objects.select_related("user", "user__branch", "branch").filter(token_prefix=prefix).first()
            if prefix else None
        )
        if client is None or not tokens.matches(token, client.token_hash):
            raise exceptions.AuthenticationFailed(_("This token is not valid."))
        if not client.is_active:
            raise exceptions.AuthenticationFailed(_("This client's access was revoked."))
        services.client_touch(client, timezone.now())
        return client.user, client

    def authenticate_header(self, request):
        return self.keyword  # a 401, with WWW-Authenticate: Bearer


class ClientTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.auth.ClientTokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "An API client's token (manage.py api_client_create)."}
