from django.contrib import admin
from django.urls import include, path

from projects.views import bad_request, healthz

handler400 = bad_request

admin.site.site_header = "民生实事管理系统"
admin.site.site_title = "民生实事管理"
admin.site.index_title = "清单设置与管理"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("captcha/", include("captcha.urls")),
    path("api/", include("livelihood.api_urls")),
    path("", include("selection.urls")),
    path("", include("supervision.urls")),
    path("", include("projects.urls")),
]
