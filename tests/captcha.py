"""Answers to the offline captcha for tests: the challenge is stored in the database, so a test
reads the answer as a sighted resident would read the picture."""

from captcha.models import CaptchaStore


def solved_captcha() -> dict[str, str]:
    """Form fields that pass ``core.public_forms.PublicForm``'s captcha once."""
    key = CaptchaStore.generate_key()
    return {"captcha_0": key, "captcha_1": CaptchaStore.objects.get(hashkey=key).response}
