from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "supervision"
    verbose_name = "进度督查"

    def ready(self) -> None:
        from supervision.figures import signals  # noqa: F401 - connects the registry-change receivers
