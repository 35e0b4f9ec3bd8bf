"""Issue 26, point 4: the selection cycle has a region. Suggestions, candidates and voting
sessions get a region; the rows already there take the region of the list they led to (a
candidate's list, a session's or a suggestion's through its candidate, else the list the year's
vote made), else the region of the only county list of their year, else they stay without one.
The per-year unique constraints become per region and year; rows without a region keep the old
per-year ones among themselves (NULLs are distinct to a unique constraint)."""

import django.db.models.deletion
from django.db import migrations, models


def _only(values) -> int | None:
    found = {value for value in values if value is not None}
    return found.pop() if len(found) == 1 else None


def give_regions(apps, schema_editor):
    Suggestion = apps.get_model("selection", "Suggestion")
    Candidate = apps.get_model("selection", "Candidate")
    VotingSession = apps.get_model("selection", "VotingSession")
    Plan = apps.get_model("projects", "Plan")

    # Each row led to a list: a candidate put on one, a suggestion merged into such a candidate.
    for candidate in Candidate.objects.filter(item__plan__region__isnull=False).values(
        "pk", "item__plan__region_id"
    ):
        Candidate.objects.filter(pk=candidate["pk"]).update(region_id=candidate["item__plan__region_id"])
    for suggestion in Suggestion.objects.filter(candidate__item__plan__region__isnull=False).values(
        "pk", "candidate__item__plan__region_id"
    ):
        Suggestion.objects.filter(pk=suggestion["pk"]).update(
            region_id=suggestion["candidate__item__plan__region_id"]
        )
    for session in VotingSession.objects.all():
        led = _only(session.candidates.values_list("item__plan__region_id", flat=True))
        if led is not None:
            VotingSession.objects.filter(pk=session.pk).update(region_id=led)

    years = set()
    for model in (Suggestion, Candidate, VotingSession):
        years |= set(model.objects.filter(region__isnull=True).values_list("year", flat=True))
    for year in sorted(years):
        # The list the year's vote made, else the only county list of that year.
        region = _only(
            Candidate.objects.filter(year=year, item__isnull=False).values_list(
                "item__plan__region_id", flat=True
            )
        )
        if region is None:
            region = _only(
                Plan.objects.filter(year=year, region__level="county").values_list("region_id", flat=True)
            )
        if region is None:
            continue
        for model in (Suggestion, Candidate, VotingSession):
            model.objects.filter(year=year, region__isnull=True).update(region_id=region)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0008_regions_and_shares"),
        ("selection", "0001_initial"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="candidate",
            name="candidate_unique_ballot_order",
        ),
        migrations.RemoveConstraint(
            model_name="candidate",
            name="candidate_unique_title",
        ),
        migrations.RemoveConstraint(
            model_name="votingsession",
            name="session_unique_round",
        ),
        migrations.AddField(
            model_name="candidate",
            name="region",
            field=models.ForeignKey(
                blank=True,
                help_text="征集票决所属的行政区划，由本区划督查室管理",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="selection_candidates",
                to="projects.region",
                verbose_name="所属区划",
            ),
        ),
        migrations.AddField(
            model_name="suggestion",
            name="region",
            field=models.ForeignKey(
                blank=True,
                help_text="征集票决所属的行政区划，由本区划督查室管理",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="selection_suggestions",
                to="projects.region",
                verbose_name="所属区划",
            ),
        ),
        migrations.AddField(
            model_name="votingsession",
            name="region",
            field=models.ForeignKey(
                blank=True,
                help_text="征集票决所属的行政区划，由本区划督查室管理",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="selection_sessions",
                to="projects.region",
                verbose_name="所属区划",
            ),
        ),
        migrations.RunPython(give_regions, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="candidate",
            constraint=models.UniqueConstraint(
                fields=("region", "year", "ballot_order"),
                name="candidate_unique_ballot_order",
                violation_error_message="同一区划同一年度票面顺序不能重复",
            ),
        ),
        migrations.AddConstraint(
            model_name="candidate",
            constraint=models.UniqueConstraint(
                condition=models.Q(("region__isnull", True)),
                fields=("year", "ballot_order"),
                name="candidate_unique_ballot_order_without_region",
                violation_error_message="同一年度票面顺序不能重复",
            ),
        ),
        migrations.AddConstraint(
            model_name="candidate",
            constraint=models.UniqueConstraint(
                fields=("region", "year", "title"),
                name="candidate_unique_title",
                violation_error_message="同一区划同一年度已有同名候选项目",
            ),
        ),
        migrations.AddConstraint(
            model_name="candidate",
            constraint=models.UniqueConstraint(
                condition=models.Q(("region__isnull", True)),
                fields=("year", "title"),
                name="candidate_unique_title_without_region",
                violation_error_message="同一年度已有同名候选项目",
            ),
        ),
        migrations.AddConstraint(
            model_name="votingsession",
            constraint=models.UniqueConstraint(
                fields=("region", "year", "round"),
                name="session_unique_round",
                violation_error_message="本区划该年度该轮次的票决已存在",
            ),
        ),
        migrations.AddConstraint(
            model_name="votingsession",
            constraint=models.UniqueConstraint(
                condition=models.Q(("region__isnull", True)),
                fields=("year", "round"),
                name="session_unique_round_without_region",
                violation_error_message="该年度该轮次的票决已存在",
            ),
        ),
    ]
