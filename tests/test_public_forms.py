import pytest
from django.core.cache import cache
from django.test import RequestFactory

from core.public_forms import PublicForm, sent_too_often
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
