"""Account pages: sign-up, login, e-mail confirmation, password, profile, RGPD, API tokens.

Thin views: writes go through :mod:`kineco2.accounts.services`.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import Resolver404, resolve, reverse, reverse_lazy
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kineco2.accounts import services, throttle
from kineco2.accounts.forms import (
    AccountDeleteForm,
    ApiTokenForm,
    FrenchPasswordResetForm,
    LoginForm,
    ProfileForm,
    SignupForm,
)
from kineco2.accounts.models import User
from kineco2.practices import services as practice_services
from kineco2.practices.models import Invitation, Membership, hash_token

SIGNUP_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _base_url(request) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _safe_next(request) -> str:
    """The ``next`` parameter if it points to this site, else ``""``."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def practice_url(practice) -> str:
    return reverse("practice_detail", args=[practice.pk])


# --- login, logout, sign-up ------------------------------------------------------------------


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request):
    next_url = _safe_next(request)
    if request.user.is_authenticated:
        return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
    form = LoginForm(
        request,
        data=request.POST if request.method == "POST" else None,
        initial={"email": request.GET.get("email", "")},
    )
    if request.method == "POST" and form.is_valid():
        request.session.pop(RESEND_USER_KEY, None)
        auth_login(request, form.get_user())
        return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
    context = {"form": form, "next": next_url}
    if form.unconfirmed_user is not None:
        # Right password, unconfirmed address: nothing is sent by the login itself (each
        # attempt used to send a link). The page says when the last link went out and
        # offers « Renvoyer » to this browser only (server-side session key).
        user = form.unconfirmed_user
        request.session[RESEND_USER_KEY] = user.pk
        context["unconfirmed"] = _unconfirmed_context(user)
    status = 429 if form.locked_minutes else 200
    return render(request, "accounts/login.html", context, status=status)


#: Session key: the unconfirmed account whose right password this browser gave at login,
#: which may ask for a new confirmation link without being logged in.
RESEND_USER_KEY = "confirm_resend_user"


def _unconfirmed_context(user) -> dict:
    return {
        "email": user.email,
        "sent_at": user.email_confirm_sent_at,
        "next_allowed": _when(allowed, short=True)
        if (allowed := services.email_confirm_next_allowed(user))
        else "",
        "days": services.EMAIL_CONFIRM_MAX_AGE // (24 * 3600),
    }


def _when(moment, *, short: bool = False) -> str:
    """« 6 décembre 2026 à 03:12 » in the site's time zone; ``short``: « 03:12 » if today."""
    local = timezone.localtime(moment)
    if short and local.date() == timezone.localdate():
        return date_format(local, "H:i")
    return date_format(local, "j F Y à H:i")


logout_view = auth_views.LogoutView.as_view()  # POST only (Django ≥ 5)


#: Session keys of a sign-up in progress: the address shown on « Vérifiez votre boîte mail »,
#: and (new accounts only, server side) the account that this browser may enter once confirmed.
SIGNUP_EMAIL_KEY = "signup_email"
SIGNUP_USER_KEY = "signup_user"


def _invitation_proof(next_url: str, email: str) -> Invitation | None:
    """The usable practice invitation that ``next_url`` opens, if it was sent to ``email``.

    Holding that link proves that the visitor reads this mailbox, as a confirmation link does.
    """
    if not next_url:
        return None
    try:
        match = resolve(urlsplit(next_url).path)
    except Resolver404:
        return None
    if match.url_name != "invitation_accept":
        return None
    invitation = Invitation.objects.filter(
        token_hash=hash_token(match.kwargs.get("token", "")), accepted_at__isnull=True
    ).first()
    if invitation is None or invitation.expired or invitation.email.lower() != email.lower():
        return None
    return invitation


@sensitive_post_parameters("password1", "password2")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def signup(request):
    """Sign-up that never tells whether the address already has an account (decision 0011).

    New or existing address, the visitor is sent to the same « Vérifiez votre boîte mail »
    page; the e-mail differs (a confirmation link, or « someone tried to create an account
    with your address »). The new account cannot log in before its address is confirmed,
    except when the visitor came from a practice invitation sent to that very address.
    """
    next_url = _safe_next(request)
    if request.user.is_authenticated:
        return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
    form = SignupForm(
        data=request.POST if request.method == "POST" else None,
        initial={"email": request.GET.get("email", "")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        invitation = _invitation_proof(next_url, data["email"])
        outcome = services.user_signup(
            email=data["email"],
            password=data["password1"],
            first_name=data.get("first_name") or "",
            last_name=data.get("last_name") or "",
            base_url=_base_url(request),
            next_url=next_url,
            email_confirmed=invitation is not None,
        )
        if invitation is not None and outcome.created:
            auth_login(request, outcome.user, backend=SIGNUP_BACKEND)
            messages.success(request, f"Votre compte est créé ({outcome.user.email}).")
            return redirect(next_url)
        request.session[SIGNUP_EMAIL_KEY] = data["email"]
        if outcome.created:
            request.session[SIGNUP_USER_KEY] = outcome.user.pk
        else:
            request.session.pop(SIGNUP_USER_KEY, None)
        return redirect("signup_done")
    return render(request, "accounts/signup.html", {"form": form, "next": next_url})


@never_cache
@require_GET
def signup_done(request):
    """« Vérifiez votre boîte mail » — the same page whatever the address."""
    return render(
        request,
        "accounts/signup_done.html",
        {
            "signup_email": request.session.get(SIGNUP_EMAIL_KEY, ""),
            "days": services.EMAIL_CONFIRM_MAX_AGE // (24 * 3600),
        },
    )


# --- e-mail confirmation ---------------------------------------------------------------------


@require_GET
def email_confirm(request, token: str):
    """Confirm the address. In the browser that signed up, the account is entered at once
    and the visitor goes on to where the sign-up was heading (an invitation, a panel…)."""
    try:
        user = services.email_confirm(token=token)
    except services.EmailConfirmError as exc:
        return render(
            request, "accounts/email_confirm_invalid.html", {"error": str(exc)}, status=400
        )
    next_url = services.email_confirm_next(token)
    if next_url and not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    if not request.user.is_authenticated and request.session.get(SIGNUP_USER_KEY) == user.pk:
        request.session.pop(SIGNUP_USER_KEY, None)
        request.session.pop(SIGNUP_EMAIL_KEY, None)
        auth_login(request, user, backend=SIGNUP_BACKEND)
        messages.success(request, f"Adresse e-mail confirmée : bienvenue sur KinéCO2, {user} !")
        return redirect(next_url or "practice_list")
    login_query = {"email": user.email, **({"next": next_url} if next_url else {})}
    return render(
        request,
        "accounts/email_confirm_done.html",
        {"confirmed_user": user, "login_url": reverse("login") + "?" + urlencode(login_query)},
    )


@require_POST
def email_confirm_resend(request):
    """« Renvoyer le lien de confirmation »: for a logged-in unconfirmed account (the banner),
    or for the unconfirmed account whose right password this browser just gave at login.

    At most one link per ``KINECO2_EMAIL_CONFIRM_RESEND_MINUTES`` per account. Without
    either, the same answer whatever the address (nothing tells whether an account exists).
    """
    if request.user.is_authenticated:
        user, back = request.user, reverse("account")
    else:
        user = User.objects.filter(pk=request.session.get(RESEND_USER_KEY), is_active=True).first()
        if user is None:
            messages.info(
                request,
                "Pour recevoir un nouveau lien de confirmation, connectez-vous avec votre "
                "adresse e-mail et votre mot de passe.",
            )
            return redirect("login")
        next_url = _safe_next(request)
        back = (
            reverse("login")
            + "?"
            + urlencode({"email": user.email, **({"next": next_url} if next_url else {})})
        )
    if user.email_confirmed:
        request.session.pop(RESEND_USER_KEY, None)
        messages.info(request, "Votre adresse e-mail est déjà confirmée.")
    elif services.email_confirm_resend(
        user=user,
        base_url=_base_url(request),
        next_url="" if request.user.is_authenticated else _safe_next(request),
    ):
        messages.success(
            request,
            f"Un nouvel e-mail de confirmation a été envoyé à {user.email}. Pensez à regarder "
            "dans vos courriers indésirables.",
        )
    else:
        allowed = services.email_confirm_next_allowed(user)
        sent = (
            f"Un lien de confirmation vous a été envoyé le {_when(user.email_confirm_sent_at)}"
            if user.email_confirm_sent_at
            else "Un lien de confirmation vient de vous être envoyé"
        )
        later = (
            f" Vous pourrez en demander un nouveau à partir de {_when(allowed, short=True)}."
            if allowed
            else ""
        )
        messages.warning(
            request,
            f"{sent} : regardez aussi dans vos courriers indésirables.{later}",
        )
    return redirect(back)


# --- password reset and change (Django's views, French templates) ----------------------------


password_reset = auth_views.PasswordResetView.as_view(
    form_class=FrenchPasswordResetForm,
    template_name="accounts/password_reset_form.html",
    email_template_name="accounts/password_reset_email.txt",
    subject_template_name="accounts/password_reset_subject.txt",
    success_url=reverse_lazy("password_reset_done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_done.html"
)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        # Whoever reads the mailbox owns the account: lift a login lock on this address,
        # and the address is confirmed (the link came to it).
        throttle.clear_email(email=form.user.email)
        services.email_mark_confirmed(user=form.user)
        return response


password_reset_confirm = PasswordResetConfirmView.as_view()
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("account")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "Votre mot de passe a été modifié.")
        return response


password_change = PasswordChangeView.as_view()


# --- account page, RGPD ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def account(request):
    user = request.user
    form = ProfileForm(
        data=request.POST if request.method == "POST" else None,
        initial={"first_name": user.first_name, "last_name": user.last_name},
    )
    if request.method == "POST" and form.is_valid():
        services.user_update_profile(
            user=user,
            first_name=form.cleaned_data["first_name"],
            last_name=form.cleaned_data["last_name"],
        )
        messages.success(request, "Votre profil a été enregistré.")
        return redirect("account")
    memberships = [
        {"membership": m, "url": practice_url(m.practice)}
        for m in Membership.objects.filter(user=user)
        .select_related("practice")
        .order_by("practice__name")
    ]
    return render(
        request,
        "accounts/account.html",
        {
            "form": form,
            "memberships": memberships,
            "token_count": user.api_tokens.count(),
        },
    )


@login_required
@require_GET
def account_export(request):
    data = services.user_export(user=request.user)
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = f"kineco2-mes-donnees-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@sensitive_post_parameters("password")
@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request):
    form = AccountDeleteForm(request, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = request.user
        auth_logout(request)
        services.user_delete(user=user)
        messages.success(
            request, "Votre compte et vos données personnelles ont été supprimés. Au revoir !"
        )
        return redirect("home")
    plan = services.user_deletion_plan(user=request.user)
    status = 400 if form.is_bound else 200
    return render(
        request, "accounts/account_delete.html", {"form": form, "plan": plan}, status=status
    )


# --- invitations -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def invitation_accept(request, token: str):
    """Join a practice from an invitation link.

    Anonymous: the practice is named and the visitor logs in or signs up, coming back here
    (``next``). Logged in with the invited address: accepted at once. Logged in with another
    address: one click to confirm (a POST, so that a third-party page cannot make someone
    join a practice without knowing it).
    """
    invitation = (
        Invitation.objects.select_related("practice", "invited_by")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if invitation is None:
        return render(
            request,
            "accounts/invitation_invalid.html",
            {
                "title": "Invitation introuvable",
                "reason": "Ce lien d'invitation n'existe pas ou a été annulé. Vérifiez qu'il a "
                "été copié en entier, ou demandez une nouvelle invitation au titulaire du cabinet.",
            },
            status=404,
        )
    if invitation.accepted_at is not None:
        return render(
            request,
            "accounts/invitation_invalid.html",
            {
                "title": "Invitation déjà utilisée",
                "reason": "Cette invitation a déjà été acceptée. Si c'était par vous, "
                "connectez-vous pour retrouver le cabinet dans « Mes cabinets » ; sinon, "
                "demandez une nouvelle invitation au titulaire du cabinet.",
            },
            status=410,
        )
    if invitation.expired:
        return render(
            request,
            "accounts/invitation_invalid.html",
            {
                "title": "Invitation expirée",
                "reason": "Ce lien d'invitation n'est plus valable (il l'est 14 jours). "
                "Demandez une nouvelle invitation au titulaire du cabinet.",
            },
            status=410,
        )
    invitation.token = token  # the form posts back to the same link
    here = request.get_full_path()
    if not request.user.is_authenticated:
        return render(
            request,
            "accounts/invitation.html",
            {
                "invitation": invitation,
                "login_url": reverse("login")
                + "?"
                + urlencode({"next": here, "email": invitation.email}),
                "signup_url": reverse("signup")
                + "?"
                + urlencode({"next": here, "email": invitation.email}),
            },
        )
    same_address = request.user.email.lower() == invitation.email.lower()
    if request.method == "POST" or same_address:
        already = Membership.objects.filter(
            user=request.user, practice=invitation.practice
        ).exists()
        practice_services.invitation_accept(invitation=invitation, user=request.user)
        if already:
            messages.info(request, f"Vous êtes déjà membre de « {invitation.practice.name} ».")
        else:
            messages.success(request, f"Bienvenue dans « {invitation.practice.name} » !")
        return redirect(practice_url(invitation.practice))
    return render(request, "accounts/invitation_confirm.html", {"invitation": invitation})


# --- API tokens ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request):
    form = ApiTokenForm(data=request.POST if request.method == "POST" else None)
    created = clear_token = None
    if request.method == "POST" and form.is_valid():
        created, clear_token = services.api_token_create(
            user=request.user, name=form.cleaned_data["name"]
        )
        form = ApiTokenForm()
    response = render(
        request,
        "accounts/api_tokens.html",
        {
            "form": form,
            "tokens": request.user.api_tokens.order_by("-created_at"),
            "created": created,
            "clear_token": clear_token,
        },
        status=400 if form.is_bound and form.errors else 200,
    )
    if clear_token:
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def api_token_revoke(request, token_id: int):
    token = get_object_or_404(request.user.api_tokens, pk=token_id)
    services.api_token_revoke(user=request.user, token_id=token.pk)
    messages.success(request, f"Le jeton « {token.name} » a été révoqué.")
    return redirect("api_tokens")
