"""The machinery every moderation admin shares: the reason and note forms, how an action is
offered (``ActionSpec``), read-only permissions, and the bulk and single-object action views that
call the moderation services and report their outcome."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from config.errors import DomainError
from marketplace import moderation


# --- forms ---------------------------------------------------------------------------------------
class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=moderation.REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5, "cols": 80, "autofocus": True}),
        help_text="The publisher sees this reason in the email and with the listing's status.",
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label="Note",
        max_length=moderation.REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80, "autofocus": True}),
        help_text="Kept with the report and in the moderation history (not sent to anyone).",
    )


@dataclass(frozen=True)
class ActionSpec:
    """How the admin offers one moderation action."""

    action: str
    label: str  # "Reject"
    done: str  # "Rejected"
    form_class: type[forms.Form] | None = None  # asks for a reason/note on an intermediate page
    danger: bool = False

    @property
    def text_field(self) -> str | None:
        return next(iter(self.form_class.base_fields)) if self.form_class else None


# --- shared machinery ----------------------------------------------------------------------------
class ModerationPermissionMixin:
    """Viewing needs the model's view permission (or the moderation permission); acting needs
    ``marketplace.moderate_listing``. Nothing here is added, changed or deleted by hand."""

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return moderation.can_moderate(request.user)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_view_permission(request, obj) or self.has_moderate_permission(request)

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ModerationActionsAdmin(ModerationPermissionMixin, admin.ModelAdmin):
    """Bulk actions (changelist) and single-object actions (buttons on the change page) for a set
    of ``ActionSpec``; both call the same services and reuse one intermediate page."""

    specs: dict[str, ActionSpec] = {}
    noun = "object"
    change_form_template = "admin/marketplace/moderation_change_form.html"

    class Media:
        css = {"all": ["marketplace/admin.css"]}

    # Subclasses wire the services.
    def run_one(self, *, moderator, object_id: str, action: str, text: str) -> None:
        raise NotImplementedError

    def run_many(self, *, moderator, ids: list[str], action: str, text: str):
        raise NotImplementedError

    def refusal(self, obj, action: str) -> str | None:
        raise NotImplementedError

    def object_label(self, obj) -> str:
        return str(obj)

    # -- bulk ----------------------------------------------------------------------------------
    def _bulk_action(self, request: HttpRequest, queryset: QuerySet, action: str):
        spec = self.specs[action]
        text = ""
        if spec.form_class is not None:
            form = spec.form_class(request.POST if "apply" in request.POST else None)
            if not form.is_valid():
                return self._render_form(request, spec, list(queryset), form, bulk=True)
            text = form.cleaned_data[spec.text_field]
        ids = [str(pk) for pk in queryset.values_list("pk", flat=True)]
        try:
            outcome = self.run_many(moderator=request.user, ids=ids, action=action, text=text)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return None
        self.message_user(
            request,
            outcome.summary(verb=spec.done, noun=self.noun),
            messages.WARNING if outcome.skipped else messages.SUCCESS,
        )
        return None

    # -- single object -------------------------------------------------------------------------
    def get_urls(self):
        opts = self.opts
        name = f"{opts.app_label}_{opts.model_name}_moderate"
        return [
            path(
                "<path:object_id>/moderate/<str:action>/",
                self.admin_site.admin_view(self.moderate_view),
                name=name,
            ),
            *super().get_urls(),
        ]

    def _url(self, view: str, *args) -> str:
        opts = self.opts
        return reverse(
            f"admin:{opts.app_label}_{opts.model_name}_{view}",
            args=args,
            current_app=self.admin_site.name,
        )

    def _with_filters(self, request: HttpRequest, url: str) -> str:
        return add_preserved_filters(
            {"preserved_filters": self.get_preserved_filters(request), "opts": self.opts}, url
        )

    def moderate_view(self, request: HttpRequest, object_id: str, action: str) -> HttpResponse:
        spec = self.specs.get(action)
        if spec is None:
            raise Http404("Unknown moderation action.")
        if not self.has_moderate_permission(request):
            raise PermissionDenied
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        form = None
        if spec.form_class is not None:
            form = spec.form_class(request.POST if request.method == "POST" else None)
        if request.method == "POST" and (form is None or form.is_valid()):
            text = form.cleaned_data[spec.text_field] if form is not None else ""
            try:
                self.run_one(moderator=request.user, object_id=obj.pk, action=action, text=text)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                return HttpResponseRedirect(
                    self._with_filters(request, self._url("change", obj.pk))
                )
            self.message_user(request, f"{spec.done} “{self.object_label(obj)}”.", messages.SUCCESS)
            # Back to the object's page, where the action started: the moderator sees its new
            # state and history row; the queue's filters ride along for the way back.
            return HttpResponseRedirect(self._with_filters(request, self._url("change", obj.pk)))
        return self._render_form(request, spec, [obj], form, bulk=False)

    def _render_form(self, request, spec: ActionSpec, objects: list, form, *, bulk: bool):
        opts = self.opts
        rows = [(obj, self.object_label(obj), self.refusal(obj, spec.action)) for obj in objects]
        count = sum(1 for *_, why in rows if why is None)
        noun = self.noun if count == 1 else f"{self.noun}s"
        context = {
            **self.admin_site.each_context(request),
            "title": f"{spec.label} {self.noun}s" if bulk else f"{spec.label} “{rows[0][1]}”",
            "opts": opts,
            "spec": spec,
            "form": form,
            "rows": rows,
            "count": count,
            "noun": noun,
            "bulk": bulk,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
            "cancel_url": self._with_filters(
                request,
                self._url("changelist") if bulk else self._url("change", objects[0].pk),
            ),
        }
        return TemplateResponse(request, "admin/marketplace/moderation_form.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            extra_context["moderation_buttons"] = self._buttons(request, obj)
            extra_context["can_moderate"] = self.has_moderate_permission(request)
        return super().change_view(request, object_id, form_url, extra_context)

    def _buttons(self, request: HttpRequest, obj) -> list[dict[str, Any]]:
        if not self.has_moderate_permission(request):
            return []
        buttons = []
        for spec in self.specs.values():
            if self.refusal(obj, spec.action) is not None:
                continue
            url = self._with_filters(request, self._url("moderate", obj.pk, spec.action))
            buttons.append(
                {
                    "label": f"{spec.label}…" if spec.form_class else spec.label,
                    "url": url,
                    "asks": spec.form_class is not None,  # a link to the reason page
                    "danger": spec.danger,
                    "action": spec.action,
                }
            )
        return buttons


def make_action(action: str, spec: ActionSpec) -> Callable:
    """A changelist action for ``spec``, offered only to those with the moderation permission."""

    def run(modeladmin, request, queryset):
        return modeladmin._bulk_action(request, queryset, action)

    run.__name__ = action
    description = f"{spec.label} selected %(verbose_name_plural)s"
    if spec.form_class is not None:
        description += "…"
    return admin.action(description=description, permissions=["moderate"])(run)
