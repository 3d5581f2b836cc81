"""Outreach pages. Thin views: writes go through :mod:`kineco2.outreach.services`, every
coordinator page checks the viewer's perimeter server-side (:mod:`.permissions`)."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kineco2.jobs import mail as jobs_mail
from kineco2.outreach import forms, markdown, selectors, services
from kineco2.outreach.models import (
    Audience,
    NewsItem,
    NewsStatus,
    SupportRequest,
    SupportStatus,
    Webinar,
    WebinarQuestion,
)
from kineco2.outreach.permissions import (
    can_coordinate,
    can_handle_region,
    can_write_to,
    perimeter_for,
    writable_regions,
)
from kineco2.practices.selectors import practice_for_user


def _base_url(request) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _forbidden(request, message: str):
    return render(request, "outreach/forbidden.html", {"message": message}, status=403)


def _link_error(request, message: str):
    return render(request, "outreach/link_error.html", {"message": message}, status=400)


def _coordinator(request):
    """The viewer's perimeter if they coordinate (URPS or national), else ``None``."""
    perimeter = perimeter_for(request.user)
    return perimeter if can_coordinate(perimeter) else None


NOT_COORDINATOR = (
    "Cette page est réservée aux coordinateurs des URPS et à la coordination nationale."
)


# --- newsletter: subscription, confirmation, unsubscription, personal data -------------------


@require_http_methods(["GET", "POST"])
def subscribe(request):
    form = forms.SubscribeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data.get("website"):  # a robot filled the hidden field: pretend all went well
            return redirect("outreach_subscribe_done")
        try:
            services.subscribe(
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                postal_code=data["postal_code"],
                function=data.get("function") or "",
                base_url=_base_url(request),
            )
        except services.OutreachError as exc:
            form.add_error("postal_code", str(exc))
        else:
            request.session["outreach_subscribed_email"] = data["email"]
            return redirect("outreach_subscribe_done")
    return render(request, "outreach/subscribe.html", {"form": form}, status=200)


@require_GET
def subscribe_done(request):
    return render(
        request,
        "outreach/subscribe_done.html",
        {"email": request.session.get("outreach_subscribed_email", "")},
    )


@require_GET
def confirm(request, token: str):
    try:
        subscriber = services.confirm(token)
    except services.OutreachError as exc:
        return _link_error(request, str(exc))
    return render(request, "outreach/confirmed.html", {"subscriber": subscriber})


@csrf_exempt  # RFC 8058 one-click POST from mail clients; the signed token is the credential
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    try:
        subscriber = services.unsubscribe(token)
    except services.OutreachError as exc:
        return _link_error(request, str(exc))
    if request.method == "POST" and "List-Unsubscribe" in request.POST:
        return HttpResponse("Désabonnement enregistré.", content_type="text/plain; charset=utf-8")
    return render(
        request,
        "outreach/unsubscribed.html",
        {"subscriber": subscriber, "manage_url": reverse("outreach_my_data", args=[token])},
    )


@require_http_methods(["GET", "POST"])
def my_data(request, token: str):
    try:
        subscriber = services.subscriber_from_manage_token(token)
    except services.OutreachError as exc:
        return _link_error(request, str(exc))
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "export":
            payload = json.dumps(
                services.subscriber_export(subscriber),
                cls=DjangoJSONEncoder,
                ensure_ascii=False,
                indent=2,
            )
            response = HttpResponse(payload, content_type="application/json; charset=utf-8")
            response["Content-Disposition"] = (
                'attachment; filename="kineco2-lettre-mes-donnees.json"'
            )
            return response
        if action == "delete" and request.POST.get("confirm") == "oui":
            services.forget_email(subscriber.email)
            return render(request, "outreach/data_deleted.html")
        return render(
            request,
            "outreach/my_data.html",
            {
                "subscriber": subscriber,
                "data": services.subscriber_export(subscriber),
                "token": token,
                "error": "Cochez la case de confirmation pour supprimer vos données.",
            },
            status=400,
        )
    return render(
        request,
        "outreach/my_data.html",
        {"subscriber": subscriber, "data": services.subscriber_export(subscriber), "token": token},
    )


# --- news: public archive, writing and sending ------------------------------------------------


@require_GET
def news_archive(request):
    from kineco2.benchmarks.aggregates import regions

    region = request.GET.get("region", "")
    items = NewsItem.objects.filter(status=NewsStatus.SENT)
    if region in regions():
        items = items.filter(audience=Audience.NATIONAL) | items.filter(region_code=region)
    else:
        region = ""
    page = Paginator(items.order_by("-sent_at", "-pk"), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "outreach/news_archive.html",
        {"page": page, "regions": regions(), "region": region},
    )


def _news_visible(request, news: NewsItem) -> bool:
    if news.status == NewsStatus.SENT:
        return True
    perimeter = perimeter_for(request.user)
    return can_write_to(perimeter, news.audience, news.region_code)


@require_GET
def news_detail(request, pk: int):
    news = get_object_or_404(NewsItem, pk=pk)
    if not _news_visible(request, news):
        raise Http404("Actualité introuvable")
    return render(
        request, "outreach/news_detail.html", {"news": news, "body": markdown.render(news.body)}
    )


@login_required
@require_GET
def news_manage(request):
    perimeter = _coordinator(request)
    if perimeter is None:
        return _forbidden(request, NOT_COORDINATOR)
    items = selectors.news_for(perimeter)
    return render(
        request,
        "outreach/news_manage.html",
        {"items": items, "subscribers": selectors.subscriber_counts(perimeter)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def news_edit(request, pk: int | None = None):
    perimeter = _coordinator(request)
    if perimeter is None:
        return _forbidden(request, NOT_COORDINATOR)
    news = None
    if pk is not None:
        news = get_object_or_404(NewsItem, pk=pk)
        if not can_write_to(perimeter, news.audience, news.region_code):
            raise Http404("Actualité introuvable")
    regions = writable_regions(perimeter)
    initial = {}
    if news is not None:
        initial = {
            "title": news.title,
            "body": news.body,
            "audience": news.audience,
            "region_code": news.region_code,
        }
    elif len(regions) == 1:
        initial = {"region_code": next(iter(regions)), "audience": Audience.REGIONAL}
    form = forms.NewsForm(
        request.POST or None,
        initial=initial,
        regions=regions,
        national=perimeter.is_national_coordinator,
    )
    preview = None
    counts = jobs_mail.status_counts(source=news.source_key) if news and news.pk else {}
    if request.method == "POST":
        if news is not None and news.status != NewsStatus.DRAFT:
            return _forbidden(request, "Cette actualité est déjà envoyée.")
        action = request.POST.get("action", "save")
        if form.is_valid():
            data = form.cleaned_data
            if action == "preview":
                preview = markdown.render(data["body"])
            else:
                try:
                    news = services.news_save(
                        perimeter=perimeter,
                        author=request.user,
                        title=data["title"],
                        body=data["body"],
                        audience=data["audience"],
                        region_code=data.get("region_code") or "",
                        news=news,
                    )
                    if action == "send":
                        services.news_send(
                            perimeter=perimeter, news=news, base_url=_base_url(request)
                        )
                        return redirect("outreach_news_manage")
                except services.OutreachError as exc:
                    form.add_error(None, str(exc))
                else:
                    return redirect("outreach_news_edit", pk=news.pk)
    recipients = None
    if news is not None and news.pk:
        recipients = services.news_recipients(news).count()
    return render(
        request,
        "outreach/news_edit.html",
        {
            "form": form,
            "news": news,
            "preview": preview,
            "counts": counts,
            "recipients": recipients,
            "status_labels": dict(jobs_mail.EmailStatus.choices),
        },
    )


# --- webinars ---------------------------------------------------------------------------------


@require_GET
def webinar_list(request):
    now = timezone.now()
    return render(
        request,
        "outreach/webinar_list.html",
        {
            "upcoming": Webinar.objects.filter(starts_at__gt=now).order_by("starts_at"),
            "past": Webinar.objects.filter(starts_at__lte=now).order_by("-starts_at")[:50],
        },
    )


def _webinar_context(request, webinar, **extra):
    return {
        "webinar": webinar,
        "past": webinar.starts_at <= timezone.now(),
        "answered": webinar.questions.exclude(answer=""),
        "registration_form": extra.pop("registration_form", None) or forms.RegistrationForm(),
        "question_form": extra.pop("question_form", None) or forms.QuestionForm(),
        **extra,
    }


@require_GET
def webinar_detail(request, pk: int):
    webinar = get_object_or_404(Webinar, pk=pk)
    return render(request, "outreach/webinar_detail.html", _webinar_context(request, webinar))


@require_POST
def webinar_register(request, pk: int):
    webinar = get_object_or_404(Webinar, pk=pk)
    form = forms.RegistrationForm(request.POST)
    if form.is_valid():
        try:
            services.register(webinar=webinar, base_url=_base_url(request), **form.cleaned_data)
        except services.OutreachError as exc:
            form.add_error(None, str(exc))
        else:
            return render(
                request,
                "outreach/webinar_registered.html",
                {"webinar": webinar, "email": form.cleaned_data["email"]},
            )
    return render(
        request,
        "outreach/webinar_detail.html",
        _webinar_context(request, webinar, registration_form=form),
        status=400,
    )


@login_required
@require_POST
def webinar_question(request, pk: int):
    webinar = get_object_or_404(Webinar, pk=pk)
    form = forms.QuestionForm(request.POST)
    if form.is_valid():
        try:
            services.question_ask(webinar=webinar, **form.cleaned_data)
        except services.OutreachError as exc:
            form.add_error("question", str(exc))
        else:
            return render(request, "outreach/question_sent.html", {"webinar": webinar})
    return render(
        request,
        "outreach/webinar_detail.html",
        _webinar_context(request, webinar, question_form=form),
        status=400,
    )


@require_http_methods(["GET", "POST"])
def webinar_cancel(request, token: str):
    try:
        registration = services.registration_from_token(token)
    except services.OutreachError as exc:
        return _link_error(request, str(exc))
    if request.method == "POST":
        registration = services.cancel_registration(token)
    return render(request, "outreach/webinar_cancel.html", {"registration": registration})


def _writable_webinar(perimeter, webinar) -> bool:
    audience = Audience.REGIONAL if webinar.region_code else Audience.NATIONAL
    return can_write_to(perimeter, audience, webinar.region_code)


@login_required
@require_GET
def webinar_manage(request):
    perimeter = _coordinator(request)
    if perimeter is None:
        return _forbidden(request, NOT_COORDINATOR)
    return render(
        request, "outreach/webinar_manage.html", {"webinars": selectors.webinars_for(perimeter)}
    )


@login_required
@require_http_methods(["GET", "POST"])
def webinar_edit(request, pk: int | None = None):
    perimeter = _coordinator(request)
    if perimeter is None:
        return _forbidden(request, NOT_COORDINATOR)
    webinar = None
    if pk is not None:
        webinar = get_object_or_404(Webinar, pk=pk)
        if not _writable_webinar(perimeter, webinar):
            raise Http404("Webconférence introuvable")
    initial = {}
    if webinar is not None:
        initial = {
            f: getattr(webinar, f)
            for f in (
                "title",
                "description",
                "duration_minutes",
                "speakers",
                "join_url",
                "region_code",
                "replay_url",
                "slides_url",
            )
        }
        initial["starts_at"] = timezone.localtime(webinar.starts_at)
    else:
        initial = {"duration_minutes": 60}
    form = forms.WebinarForm(
        request.POST or None,
        initial=initial,
        regions=writable_regions(perimeter),
        national=perimeter.is_national_coordinator,
    )
    if request.method == "POST" and form.is_valid():
        try:
            webinar = services.webinar_save(
                perimeter=perimeter, user=request.user, data=form.cleaned_data, webinar=webinar
            )
        except services.OutreachError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("outreach_webinar_edit", pk=webinar.pk)
    context = {"form": form, "webinar": webinar}
    if webinar is not None:
        context["registrations"] = webinar.registrations.filter(cancelled_at__isnull=True)
        context["questions"] = [
            (q, forms.AnswerForm(initial={"answer": q.answer}, prefix=f"q{q.pk}"))
            for q in webinar.questions.all()
        ]
    return render(request, "outreach/webinar_edit.html", context)


@login_required
@require_POST
def question_answer(request, pk: int, question_pk: int):
    perimeter = _coordinator(request)
    if perimeter is None:
        return _forbidden(request, NOT_COORDINATOR)
    question = get_object_or_404(WebinarQuestion, pk=question_pk, webinar_id=pk)
    if not _writable_webinar(perimeter, question.webinar):
        raise Http404("Question introuvable")
    form = forms.AnswerForm(request.POST, prefix=f"q{question.pk}")
    if form.is_valid():
        try:
            services.question_answer(
                question=question,
                user=request.user,
                answer=form.cleaned_data["answer"],
                to_faq=form.cleaned_data["to_faq"],
            )
        except services.OutreachError as exc:
            from django.contrib import messages

            messages.error(request, str(exc))
    return redirect(reverse("outreach_webinar_edit", args=[pk]) + f"#question-{question.pk}")


# --- support requests -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def support_create(request, practice_pk: int):
    practice = practice_for_user(request.user, practice_pk)
    origin = request.GET.get("depuis") or request.POST.get("origin") or ""
    origin = origin if origin in ("resultats", "plan") else ""
    form = forms.SupportRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.support_request_create(
            user=request.user,
            practice=practice,
            data=services.SupportInput(
                topics=data["topics"],
                message=data.get("message") or "",
                contact_method=data["contact_method"],
                phone=data.get("phone") or "",
                availability=data.get("availability") or "",
                origin=origin,
            ),
            base_url=_base_url(request),
        )
        return redirect("outreach_support_mine")
    return render(
        request,
        "outreach/support_form.html",
        {"form": form, "practice": practice, "origin": origin},
    )


@login_required
@require_GET
def support_mine(request):
    return render(
        request,
        "outreach/support_mine.html",
        {"requests": selectors.support_requests_of(request.user)},
    )


@login_required
@require_GET
def support_inbox(request):
    perimeter = _coordinator(request)
    if perimeter is None:
        return _forbidden(request, NOT_COORDINATOR)
    status = request.GET.get("statut", "")
    items = selectors.support_inbox(perimeter)
    if status in SupportStatus.values:
        items = items.filter(status=status)
    else:
        status = ""
    page = Paginator(items, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "outreach/support_inbox.html",
        {"page": page, "status": status, "statuses": SupportStatus.choices},
    )


@login_required
@require_http_methods(["GET", "POST"])
def support_detail(request, pk: int):
    perimeter = _coordinator(request)
    if perimeter is None:
        return _forbidden(request, NOT_COORDINATOR)
    support = get_object_or_404(
        SupportRequest.objects.select_related("practice", "requester", "assigned_to"), pk=pk
    )
    if not can_handle_region(perimeter, support.region_code):
        raise Http404("Demande introuvable")  # another region's: not even its existence
    coordinators = services.coordinators_for(support.region_code)
    form = forms.SupportUpdateForm(
        request.POST or None,
        initial={"status": support.status, "assigned_to": support.assigned_to_id},
        coordinators=coordinators,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.support_update(
                perimeter=perimeter,
                user=request.user,
                request=support,
                status=form.cleaned_data["status"],
                assigned_to_id=form.cleaned_data.get("assigned_to"),
                note=form.cleaned_data.get("note") or "",
            )
        except services.OutreachError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("outreach_support_detail", pk=support.pk)
    return render(
        request,
        "outreach/support_detail.html",
        {"support": support, "form": form, "notes": support.notes.select_related("author")},
    )


@login_required
@require_GET
def support_stats(request):
    perimeter = _coordinator(request)
    if perimeter is None:
        return _forbidden(request, NOT_COORDINATOR)
    return render(
        request, "outreach/support_stats.html", {"table": selectors.support_monthly(perimeter)}
    )
