"""Optimistic locking for the registry, as reports have it: every saved row carries a
``version``; a save of a row that exists succeeds only if the row is still at the version the
saver read, and bumps it. Two people editing the same sub-item (or plan, item, milestone,
funding line) can no longer silently undo each other: the second save is refused and told who
changed what meanwhile.

Cache writes (queryset ``.update()`` of a sub-item's current figures) bypass ``save()``: they
neither bump nor check the version, because they are no edit of the registry.

The version is left out of the audit history: it is bookkeeping, not a registry fact, and a
history record's instance then carries the row's current version, so that reverting to an old
record from the admin is checked against the row as it is now.
"""

from __future__ import annotations

from django import forms
from django.db import models, router, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class VersionConflict(Exception):
    """A save of a row that someone else saved since it was read."""


class VersionedModel(models.Model):
    version = models.PositiveIntegerField(
        gettext_lazy("版本"), default=1, help_text=gettext_lazy("乐观锁：每次保存加一")
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        """Save only if the row is still at ``self.version``, and bump it; otherwise raise
        ``VersionConflict``. A new row is inserted at version 1."""
        update_fields = kwargs.get("update_fields")
        if self._state.adding or self.pk is None or (update_fields is not None and not update_fields):
            return super().save(*args, **kwargs)
        read = self.version
        rows = type(self)._base_manager.using(kwargs.get("using") or router.db_for_write(type(self)))
        with transaction.atomic(using=rows.db):
            bumped = rows.filter(pk=self.pk, version=read).update(version=F("version") + 1)
            # A row deleted meanwhile is inserted again, as Django's save does.
            if not bumped and rows.filter(pk=self.pk).exists():
                raise VersionConflict(f"{type(self).__name__} {self.pk} is no longer at version {read}")
            if bumped:
                self.version = read + 1
                if update_fields is not None:
                    kwargs["update_fields"] = {*update_fields, "version"}
            return super().save(*args, **kwargs)


def conflict_message(model: type[VersionedModel], pk, read_version: int, current_version: int | None) -> str:
    """What the office reads when its form is stale: who saved the row since the form was
    opened, when, and which fields (by their Chinese names) now differ, with their values."""
    name = model._meta.verbose_name
    if current_version is None:
        return _("打开本页后，这条%(name)s已被他人删除，无法保存。") % {"name": name}
    saves_since = max(current_version - read_version, 1)
    records = list(
        model.history.filter(id=pk)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[: saves_since + 1]
    )
    if not records:
        return _(
            "打开本页后，这条%(name)s已被他人修改。为免覆盖，本次未保存；您填写的内容仍保留，请核对后再次保存。"
        ) % {"name": name}
    latest = records[0]
    users = []
    for record in records[:saves_since]:
        who = str(record.history_user) if record.history_user else _("系统")
        if who not in users:
            users.append(who)
    changes = []
    if len(records) > saves_since:
        delta = latest.diff_against(records[saves_since], foreign_keys_are_objs=True)
        for change in delta.changes:
            field = model._meta.get_field(change.field)
            value = dict(field.flatchoices).get(change.new, change.new) if field.choices else change.new
            shown = _("空") if value in (None, "") else str(value)
            changes.append(_("%(field)s（现为 %(value)s）") % {"field": field.verbose_name, "value": shown})
    return _(
        "打开本页后，%(users)s 于 %(when)s 修改了这条%(name)s%(fields)s。为免覆盖他人的修改，本次未保存；"
        "您填写的内容仍保留在表单中，请核对后再次保存。"
    ) % {
        "users": "、".join(users),
        "when": timezone.localtime(latest.history_date).strftime("%Y-%m-%d %H:%M"),
        "name": name,
        "fields": _("：") + "、".join(changes) if changes else "",
    }


class VersionedForm(forms.ModelForm):
    """A model form that carries the version it was opened at in a hidden field and refuses a
    stale save with ``conflict_message``. After a refusal the hidden field moves to the current
    version: the user has now seen the other change, and saving again is deliberate."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean(self):
        cleaned = super().clean()
        if self.instance._state.adding or self.instance.pk is None:
            return cleaned
        # A post without a version (a script, not the admin's page) is held to the row as loaded.
        read = cleaned.get("version") or self.instance.version
        model = type(self.instance)
        rows = model._base_manager.filter(pk=self.instance.pk)
        if transaction.get_connection(router.db_for_write(model)).in_atomic_block:
            # Held until the admin's transaction ends: nobody saves between this check and ours.
            rows = rows.select_for_update()
        current = rows.values_list("version", flat=True).first()
        if current != read:
            if current is not None:
                self.data = self.data.copy()
                self.data[self.add_prefix("version")] = current
            raise forms.ValidationError(
                conflict_message(model, self.instance.pk, read, current), code="stale"
            )
        cleaned["version"] = self.instance.version = read
        return cleaned
