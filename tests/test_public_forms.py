import datetime as dt

import pytest
from captcha.models import CaptchaStore
from django.core.cache import cache
from django.test import RequestFactory
from django.utils import timezone

from core.public_forms import PublicForm, refill_captcha_pool, sent_too_often
from tests.captcha import solved_captcha

pytestmark = pytest.mark.django_db


def test_captcha_accepts_the_drawn_answer_and_refuses_another_in_chinese():
    assert PublicForm(data=solved_captcha()).is_valid()
    wrong = solved_captcha() | {"captcha_1": "zzzz-not-it"}
    form = PublicForm(data=wrong)
    assert not form.is_valid()
    assert form.errors["captcha"] == ["验证码不正确，请重新输入。"]


def test_a_captcha_answer_is_good_once():
    fields = solved_captcha()
    assert PublicForm(data=fields).is_valid()
    assert not PublicForm(data=fields).is_valid()


def test_rate_limit_counts_posts_per_address_and_never_gets():
    cache.clear()
    factory = RequestFactory()
    for _ in range(3):
        assert not sent_too_often(factory.get("/", REMOTE_ADDR="10.0.0.1"), "t", rate="2/h")
    post = factory.post("/", REMOTE_ADDR="10.0.0.1")
    assert not sent_too_often(post, "t", rate="2/h")
    assert not sent_too_often(post, "t", rate="2/h")
    assert sent_too_often(post, "t", rate="2/h")
    assert not sent_too_often(factory.post("/", REMOTE_ADDR="10.0.0.2"), "t", rate="2/h")


def test_the_captcha_pool_is_topped_up_and_its_expired_challenges_removed():
    assert refill_captcha_pool(size=5) == 5
    assert refill_captcha_pool(size=5) == 0  # full
    CaptchaStore.objects.update(expiration=timezone.now() - dt.timedelta(minutes=1))
    assert refill_captcha_pool(size=3) == 3
    assert CaptchaStore.objects.count() == 3  # the expired ones are gone


def test_a_form_shows_a_challenge_from_the_pool():
    refill_captcha_pool(size=3)
    keys = set(CaptchaStore.objects.values_list("hashkey", flat=True))
    rendered = str(PublicForm()["captcha"])
    assert any(key in rendered for key in keys)
    assert CaptchaStore.objects.count() == 3  # nothing drawn for it
