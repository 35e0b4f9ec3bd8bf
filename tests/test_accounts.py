"""Login, logout and failed-login throttling."""

import pytest
from django.contrib.auth.models import Group

from projects import roles
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_role_groups_exist_from_the_first_migration():
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ALL_ROLES)


def test_login_then_logout(client):
    UserFactory(username="clerk", role=roles.OFFICE)
    response = client.post("/accounts/login/", {"username": "clerk", "password": "pw-for-tests-123"})
    assert response.status_code == 302
    assert client.get("/plans/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/plans/").status_code == 302


def test_wrong_password_shows_a_chinese_message_and_keeps_the_username(client):
    UserFactory(username="clerk", role=roles.OFFICE)
    page = client.post("/accounts/login/", {"username": "clerk", "password": "wrong"}).content.decode()
    assert "请输入一个正确的" in page
    assert 'value="clerk"' in page


def test_repeated_failed_logins_lock_the_account(client, settings):
    UserFactory(username="clerk", role=roles.OFFICE)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "clerk", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "clerk", "password": "pw-for-tests-123"})
    assert response.status_code in (403, 429)
    assert "锁定" in response.content.decode()
