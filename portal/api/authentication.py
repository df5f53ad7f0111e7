"""``Authorization: Bearer sqp_…``: a partner token, acting as its API-client membership."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from portal.services.tokens import token_authenticate


class PartnerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode(errors="replace").split()
        if not header or header[0] != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send the token as “Authorization: Bearer <token>”."))
        token = token_authenticate(header[1])
        if token is None:
            # One answer for every reason (unknown, expired, revoked, rotated away, its partner suspended):
            # it tells a caller nothing about which tokens or partners exist.
            raise exceptions.AuthenticationFailed(
                _("The token is unknown, expired, revoked or suspended; ask your supplier admin for a valid one.")
            )
        request.membership = token.membership
        return token.membership.user, token

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'


class PartnerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "portal.api.authentication.PartnerTokenAuthentication"
    name = "partnerToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A partner API token (sqp_…)."}
