"""Sign-in: MFA for staff, throttling, tenant switching."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from portal.adapters import PortalMFAAdapter
from portal.demo import current_totp_code
from portal.models import Role
from tests.conftest import login
from tests.factories import PASSWORD, member

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def _sign_in(client, email, password=PASSWORD):
    return client.post(LOGIN, {"login": email, "password": password})


def test_staff_without_authenticator_is_sent_to_set_one_up(world, client):
    engineer = member(world.a, Role.QUALITY_ENGINEER, mfa=False)
    assert _sign_in(client, engineer.user.email).status_code == 302
    response = client.get(reverse("dashboard", args=["alpha"]))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    assert client.get(reverse("mfa_activate_totp")).status_code == 200


def test_staff_with_authenticator_must_enter_the_code(world, client):
    user = world.a_buyer.user
    response = _sign_in(client, user.email)
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("dashboard", args=["alpha"])).status_code == 302  # not signed in yet
    wrong = client.post(
        reverse("mfa_authenticate"), {"code": "000000" if current_totp_code(user) != "000000" else "111111"}
    )
    assert wrong.status_code == 200
    ok = client.post(reverse("mfa_authenticate"), {"code": current_totp_code(user)})
    assert ok.status_code == 302
    assert client.get(reverse("dashboard", args=["alpha"])).status_code == 200


def test_supplier_signs_in_without_second_factor(world, client):
    response = _sign_in(client, world.p1_user.user.email)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("dashboard", args=["alpha"])).status_code == 200


def test_staff_cannot_remove_their_authenticator_but_suppliers_may(world):
    adapter = PortalMFAAdapter()
    staff_totp = Authenticator.objects.get(user=world.a_buyer.user, type="totp")
    assert adapter.can_delete_authenticator(staff_totp) is False
    supplier = world.p1_user.user
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    supplier_totp = TOTP.activate(supplier, generate_totp_secret()).instance
    assert adapter.can_delete_authenticator(supplier_totp) is True


def test_login_is_throttled_after_repeated_failures(world, client):
    email = world.p1_user.user.email
    for _ in range(5):
        response = _sign_in(client, email, "wrong-password")
        assert response.status_code == 200
        assert "not correct" in response.content.decode()
    blocked = _sign_in(client, email)  # even the right password is refused now
    assert blocked.status_code == 200
    assert "Too many failed login attempts" in blocked.content.decode()
    assert "_auth_user_id" not in client.session
    other = _sign_in(client.__class__(), world.p2_user.user.email)
    assert other.status_code == 302  # another account is not locked out


def test_user_of_two_tenants_chooses_and_switches(world, client):
    both = member(world.b, Role.SUPPLIER_USER, world.q1, user=world.p1_user.user)
    login(client, world.p1_user)
    chooser = client.get(reverse("home"))
    assert chooser.status_code == 200
    body = chooser.content.decode()
    assert "Alpha Industries" in body and "Beta Works" in body
    assert client.get(reverse("dashboard", args=["beta"])).status_code == 200
    assert client.get(reverse("home"))["Location"] == reverse("dashboard", args=["beta"])
    dashboard = client.get(reverse("dashboard", args=["alpha"])).content.decode()
    assert "Switch tenant" in dashboard and "Pinewood Parts" in dashboard and "Riverside Plastics" not in dashboard
    assert both.tenant == world.b


def test_single_tenant_user_goes_straight_to_dashboard_and_cannot_enter_another(world, client):
    login(client, world.p2_user)
    assert client.get(reverse("home"))["Location"] == reverse("dashboard", args=["alpha"])
    assert client.get(reverse("dashboard", args=["beta"])).status_code == 404
    assert client.get("/t/no-such-tenant/").status_code == 404


def test_anonymous_is_sent_to_login(world, client):
    response = client.get(reverse("partner_detail", args=["alpha", world.p1.pk]))
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_unverified_email_cannot_sign_in_until_confirmed(world, client):
    from allauth.account.models import EmailAddress
    from django.core import mail

    user = world.p2_user.user
    EmailAddress.objects.filter(user=user).update(verified=False)
    response = _sign_in(client, user.email)
    assert "_auth_user_id" not in client.session
    assert response.status_code == 302 and "confirm-email" in response["Location"]
    assert any(user.email in m.to for m in mail.outbox)
    link = next(line for m in mail.outbox for line in m.body.splitlines() if "/accounts/confirm-email/" in line)
    path = link[link.index("/accounts/confirm-email/") :].strip()
    client.post(path)
    assert EmailAddress.objects.get(user=user).verified
    assert _sign_in(client, user.email).status_code == 302 and "_auth_user_id" in client.session


def test_password_reset_by_email(world, client):
    from django.core import mail

    user = world.p1_user.user
    client.post("/accounts/password/reset/", {"email": user.email})
    body = mail.outbox[-1].body
    link = next(line for line in body.splitlines() if "/accounts/password/reset/key/" in line)
    path = link[link.index("/accounts/password/reset/key/") :].strip()
    form = client.get(path, follow=True)
    assert form.status_code == 200
    response = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else path,
        {"password1": "a-brand-new-secret-42", "password2": "a-brand-new-secret-42"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-brand-new-secret-42")
