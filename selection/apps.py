from django.apps import AppConfig


class SelectionConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "selection"
    verbose_name = "民生实事项目征集与票决"
