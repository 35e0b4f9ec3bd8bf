from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "projects"
    verbose_name = "民生实事清单"

    def ready(self) -> None:
        # Connects the receivers that revoke API tokens on logout and password change.
        from projects import signals  # noqa: F401
