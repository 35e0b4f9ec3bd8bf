from django.urls import path

from supervision.yearend.views import evaluation

urlpatterns = [
    path("plans/<int:plan_id>/evaluation/", evaluation.plan_evaluation, name="plan_evaluation"),
    path("plans/<int:plan_id>/evaluation/open/", evaluation.evaluation_open, name="evaluation_open"),
    path("plans/<int:plan_id>/evaluation/vote/", evaluation.evaluation_vote, name="evaluation_vote"),
    path(
        "plans/<int:plan_id>/evaluation/items/<int:item_id>/tally/",
        evaluation.evaluation_tally,
        name="evaluation_tally",
    ),
    path("plans/<int:plan_id>/evaluation/close/", evaluation.evaluation_close, name="evaluation_close"),
]
