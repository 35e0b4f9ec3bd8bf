from django.urls import path

from selection import views

urlpatterns = [
    path("public/suggestions/new/", views.public_suggestion_new, name="public_suggestion_new"),
    path("public/suggestions/<str:code>/", views.public_suggestion, name="public_suggestion"),
    path("public/selections/<int:year>/", views.public_result, name="public_selection_result"),
    path("selections/", views.selection_index, name="selection_index"),
    path("selections/<int:year>/", views.selection_home, name="selection_home"),
    path("selections/<int:year>/suggestions/", views.suggestion_pool, name="selection_pool"),
    path("selections/<int:year>/suggestions/new/", views.suggestion_new, name="selection_suggestion_new"),
    path("selections/<int:year>/suggestions/merge/", views.suggestion_merge, name="selection_merge"),
    path(
        "selections/<int:year>/suggestions/<int:suggestion_id>/decline/",
        views.suggestion_decline,
        name="selection_decline",
    ),
    path(
        "selections/<int:year>/candidates/<int:candidate_id>/",
        views.candidate_detail,
        name="selection_candidate",
    ),
    path("selections/<int:year>/sessions/new/", views.session_open, name="selection_session_open"),
    path("selections/<int:year>/runoff/", views.session_runoff, name="selection_runoff"),
    path("selections/<int:year>/result/", views.result_page, name="selection_result"),
    path("selections/<int:year>/plan/", views.make_draft_plan, name="selection_make_plan"),
    path("selections/sessions/<int:session_id>/", views.session_detail, name="selection_session"),
    path("selections/sessions/<int:session_id>/tally/", views.session_tally, name="selection_tally"),
    path("selections/sessions/<int:session_id>/count/", views.session_count, name="selection_count"),
]
