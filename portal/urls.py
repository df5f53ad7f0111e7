from django.contrib import admin
from django.urls import include, path, register_converter

from integrations.metrics import metrics
from portal.converters import IdConverter
from portal.registry import tenant_url_modules
from portal.views import audit, health, home, invitations, members, partners, profile, tokens

register_converter(IdConverter, "id")

tenant_patterns = [
    path("", home.DashboardView.as_view(), name="dashboard"),
    path("partners/", partners.PartnerListView.as_view(), name="partner_list"),
    path("partners/<id:pk>/", partners.PartnerDetailView.as_view(), name="partner_detail"),
    path("partners/<id:pk>/invite/", partners.PartnerInviteView.as_view(), name="partner_invite"),
    path("partners/<id:pk>/activation/", partners.PartnerActivationView.as_view(), name="partner_activation"),
    path("partners/<id:pk>/language/", partners.PartnerLanguageView.as_view(), name="partner_language"),
    path("members/", members.MemberListView.as_view(), name="member_list"),
    path("members/invite/", members.MemberInviteView.as_view(), name="member_invite"),
    path("members/<id:pk>/", members.MemberDetailView.as_view(), name="member_detail"),
    path("members/<id:pk>/scope/", members.MemberScopeView.as_view(), name="member_scope"),
    path("members/<id:pk>/activation/", members.MemberActivationView.as_view(), name="member_activation"),
    path("invitations/<id:pk>/revoke/", members.InvitationRevokeView.as_view(), name="invitation_revoke"),
    path("api-tokens/", tokens.ApiTokenListView.as_view(), name="api_tokens"),
    path("profile/", profile.ProfileView.as_view(), name="profile"),
    path("audit/", audit.AuditListView.as_view(), name="audit_list"),
    path("audit/<id:pk>/", audit.AuditDetailView.as_view(), name="audit_detail"),
    # The apps' own tenant pages, registered from their ready() (portal.registry.tenant_urls_register).
    *(path("", include(module)) for module in tenant_url_modules),
]

urlpatterns = [
    path("", home.home, name="home"),
    path("tenants/", home.tenant_choose, name="tenant_choose"),
    path("t/<slug:tenant_slug>/", include(tenant_patterns)),
    path("invitations/<str:token>/", invitations.invitation_accept_view, name="invitation_accept"),
    path("accounts/", include("allauth.urls")),
    # Django's set_language (POST): the language switcher of signed-out pages keeps its choice in a cookie.
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("portal.api.urls")),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),
]

# Under /api/ every one of these answers problem details (portal/api/errors.py); pages keep HTML.
handler400 = "portal.api.errors.bad_request"
handler403 = "portal.api.errors.permission_denied"
handler404 = "portal.views.errors.not_found"
handler500 = "portal.api.errors.server_error"
