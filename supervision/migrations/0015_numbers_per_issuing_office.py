"""Orders (督办单) and circulars (通报) are numbered per issuing office and year (issue 26):
each row gets its issuer (the code of its plan's region, empty for a plan with no region), the
numbers stay unique per (issuer, year), and the sequences, one row per issuer and year, are
rebuilt from the highest number each issuer has used. Existing numbers do not change.

The schema changes come first and the data last, so that no table is altered after its rows
were written in the same transaction (PostgreSQL refuses that while triggers are pending)."""

from django.db import migrations, models
from django.db.models import Max


def _issuers(apps) -> None:
    """Each numbered order and circular's issuer: its plan's region's code (drafts stay "")."""
    for name in ("SupervisionOrder", "Circular"):
        model = apps.get_model("supervision", name)
        numbered = model.objects.filter(plan__region__isnull=False, number__isnull=False)
        rows = numbered.values_list("pk", "plan__region__code")
        by_code: dict[str, list[int]] = {}
        for pk, code in rows:
            by_code.setdefault(code, []).append(pk)
        for code, pks in by_code.items():
            model.objects.filter(pk__in=pks).update(issuer=code)


def _rebuild(apps, numbered: str, sequence: str, *, per_issuer: bool) -> None:
    Numbered = apps.get_model("supervision", numbered)
    Sequence = apps.get_model("supervision", sequence)
    Sequence.objects.all().delete()
    keys = ("issuer", "year") if per_issuer else ("year",)
    rows = Numbered.objects.filter(number__isnull=False).values(*keys).annotate(last=Max("number"))
    Sequence.objects.bulk_create(
        [Sequence(**{key: row[key] for key in keys}, last_number=row["last"]) for row in rows]
    )


def forwards(apps, schema_editor) -> None:
    _issuers(apps)
    _rebuild(apps, "SupervisionOrder", "SupervisionOrderSequence", per_issuer=True)
    _rebuild(apps, "Circular", "CircularSequence", per_issuer=True)


def backwards_sequences(apps, schema_editor) -> None:
    """Going back: the one sequence per year, from the highest number of the year (numbers
    given per office meanwhile may repeat within a year and then stop the way back at the old
    constraint, as they should)."""
    _rebuild(apps, "SupervisionOrder", "SupervisionOrderSequence", per_issuer=False)
    _rebuild(apps, "Circular", "CircularSequence", per_issuer=False)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0008_regions_and_shares"),
        ("supervision", "0014_share_indexes_and_region_figures"),
    ]

    operations = [
        migrations.AddField(
            model_name="supervisionorder",
            name="issuer",
            field=models.CharField(
                blank=True, default="", editable=False, max_length=9, verbose_name="签发机关"
            ),
        ),
        migrations.AddField(
            model_name="circular",
            name="issuer",
            field=models.CharField(
                blank=True, default="", editable=False, max_length=9, verbose_name="发文机关"
            ),
        ),
        migrations.RemoveConstraint(model_name="supervisionorder", name="order_number_once_per_year"),
        migrations.AddConstraint(
            model_name="supervisionorder",
            constraint=models.UniqueConstraint(
                fields=("issuer", "year", "number"), name="order_number_once_per_issuer_year"
            ),
        ),
        migrations.RemoveConstraint(model_name="circular", name="circular_number_once_per_year"),
        migrations.AddConstraint(
            model_name="circular",
            constraint=models.UniqueConstraint(
                fields=("issuer", "year", "number"), name="circular_number_once_per_issuer_year"
            ),
        ),
        # Forwards nothing; backwards it refills the old sequences once they exist again.
        migrations.RunPython(migrations.RunPython.noop, backwards_sequences),
        migrations.DeleteModel(name="SupervisionOrderSequence"),
        migrations.DeleteModel(name="CircularSequence"),
        migrations.CreateModel(
            name="SupervisionOrderSequence",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("issuer", models.CharField(blank=True, max_length=9, verbose_name="签发机关")),
                ("year", models.PositiveSmallIntegerField(verbose_name="年度")),
                ("last_number", models.PositiveIntegerField(default=0, verbose_name="已用编号")),
            ],
            options={
                "verbose_name": "督办单编号",
                "verbose_name_plural": "督办单编号",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("issuer", "year"), name="order_sequence_once_per_issuer_year"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="CircularSequence",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("issuer", models.CharField(blank=True, max_length=9, verbose_name="发文机关")),
                ("year", models.PositiveSmallIntegerField(verbose_name="年度")),
                ("last_number", models.PositiveIntegerField(default=0, verbose_name="已用序号")),
            ],
            options={
                "verbose_name": "通报编号",
                "verbose_name_plural": "通报编号",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("issuer", "year"), name="circular_sequence_once_per_issuer_year"
                    )
                ],
            },
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
