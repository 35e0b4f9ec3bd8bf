"""DRF permission classes. Each one only asks ``projects.permissions``: the API grants exactly
what the web pages grant, and a rule changed there changes both."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from projects import permissions


class CanViewRegistry(BasePermission):
    """Signed-in users with a role read the registry and what hangs off it."""

    message = "您没有查看民生实事清单的权限"

    def has_permission(self, request, view) -> bool:
        return permissions.can_view_registry(request.user)


class ReportPermission(BasePermission):
    """Reading follows the queryset (``visible_reports_filter``); writing a report is for the
    liaison of the sub-item's responsible unit; accepting and returning is for an office, within its
    region (``can_review_report``)."""

    review_actions = frozenset({"accept", "return_report"})
    write_actions = frozenset({"create", "update", "partial_update", "submit"})

    def has_permission(self, request, view) -> bool:
        if not permissions.can_view_registry(request.user):
            self.message = "您没有查看进度填报的权限"
            return False
        if view.action in self.review_actions:
            self.message = "只有督查室可以审核进度填报"
            return permissions.can_review_reports(request.user)
        if view.action in self.write_actions:
            self.message = "只有责任单位联络员可以填报进度"
            return permissions.can_create_reports(request.user)
        return True

    def has_object_permission(self, request, view, obj) -> bool:
        if view.action in self.review_actions:
            refusal = permissions.review_refusal(request.user, obj)
            if refusal is not None:
                self.message = refusal
                return False
        if view.action in self.write_actions:
            self.message = "只能填报本单位负责、且清单处于公布状态的子项"
            return permissions.can_write_report(request.user, obj.sub_item, obj.share)
        return True


class CanViewVisits(BasePermission):
    message = "您没有查看视察记录的权限"

    def has_permission(self, request, view) -> bool:
        return permissions.can_view_visits(request.user)


class CanViewRectifications(BasePermission):
    message = "您没有查看整改督办事项的权限"

    def has_permission(self, request, view) -> bool:
        return permissions.can_view_rectifications(request.user)
