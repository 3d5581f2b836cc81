"""Account forms. Messages are in French; passwords are never re-displayed."""

from __future__ import annotations

from django import forms
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.forms import PasswordResetForm

from kineco2.accounts import throttle
from kineco2.accounts.models import User

LOGIN_ERROR = "Adresse e-mail ou mot de passe incorrect."
#: Shown only to someone who gave the right password; the login page then says when the
#: last link was sent and offers to send another one (accounts/login.html).
UNCONFIRMED_ERROR = "Votre adresse e-mail n'est pas encore confirmée."


def _email_field(**attrs) -> forms.EmailField:
    return forms.EmailField(
        label="Adresse e-mail",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", **attrs}),
    )


class LoginForm(forms.Form):
    """Login by e-mail, with throttling of failed attempts (see :mod:`throttle`).

    The same message is given for an unknown address, a wrong password or an inactive
    account, so that the form does not tell whether an account exists. An account whose
    address is not confirmed cannot log in: only someone who gave its right password is told
    so (``unconfirmed_user``: the page offers to send a new link, never by itself).
    """

    email = _email_field(autofocus=True, autocomplete="username")
    password = forms.CharField(
        label="Mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, request, *args, **kwargs):
        self.request = request
        self.user_cache = None
        self.unconfirmed_user = None
        self.locked_minutes = 0
        super().__init__(*args, **kwargs)

    def clean_email(self) -> str:
        return throttle.normalise_email(self.cleaned_data["email"])

    def clean(self):
        cleaned = super().clean()
        email = cleaned.get("email") or throttle.normalise_email(self.data.get("email", ""))
        password = cleaned.get("password")
        ip = throttle.client_ip(self.request)
        self.locked_minutes = throttle.minutes_locked(email=email, ip=ip)
        if self.locked_minutes:
            raise forms.ValidationError(
                throttle.locked_message(self.locked_minutes), code="throttled"
            )
        if self.errors or not email or not password:
            return cleaned
        seconds = throttle.reserve(email=email, ip=ip)  # atomic: at most 5 checks
        if seconds:
            self.locked_minutes = max(1, -(-seconds // 60))
            raise forms.ValidationError(
                throttle.locked_message(self.locked_minutes), code="throttled"
            )
        user = authenticate(self.request, username=email, password=password)
        if user is None:
            throttle.register_failure(email=email, ip=ip)
            raise forms.ValidationError(LOGIN_ERROR, code="invalid_login")
        throttle.register_success(email=email, ip=ip)
        if not user.email_confirmed:
            self.unconfirmed_user = user
            raise forms.ValidationError(UNCONFIRMED_ERROR, code="unconfirmed")
        self.user_cache = user
        return cleaned

    def get_user(self):
        return self.user_cache


class SignupForm(forms.ModelForm):
    email = _email_field()
    password1 = forms.CharField(
        label="Mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Confirmation du mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Saisissez le même mot de passe, pour vérification.",
    )

    class Meta:
        model = User
        fields = ("email", "first_name", "last_name")
        labels = {"first_name": "Prénom", "last_name": "Nom"}
        widgets = {
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
        }

    def clean_email(self) -> str:
        # Whether the address already has an account is never said here (decision 0011):
        # the sign-up service takes care of it by e-mail.
        return throttle.normalise_email(self.cleaned_data["email"])

    def validate_unique(self):
        pass  # an existing address is not an error the visitor may see (decision 0011)

    def clean(self):
        cleaned = super().clean()
        password1 = cleaned.get("password1")
        password2 = cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", "Les deux mots de passe ne correspondent pas.")
        elif password1:
            candidate = User(
                email=cleaned.get("email") or "",
                first_name=cleaned.get("first_name") or "",
                last_name=cleaned.get("last_name") or "",
            )
            try:
                password_validation.validate_password(password1, candidate)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ("first_name", "last_name")
        labels = {"first_name": "Prénom", "last_name": "Nom"}
        widgets = {
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
        }


class AccountDeleteForm(forms.Form):
    """Deleting the account asks for the password (failures count as failed logins)."""

    password = forms.CharField(
        label="Votre mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, request, *args, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        user = self.request.user
        ip = throttle.client_ip(self.request)
        seconds = throttle.reserve(email=user.email, ip=ip)  # atomic: at most 5 checks
        if seconds:
            minutes = max(1, -(-seconds // 60))
            raise forms.ValidationError(throttle.locked_message(minutes), code="throttled")
        if not user.check_password(password):
            throttle.register_failure(email=user.email, ip=ip)
            raise forms.ValidationError("Mot de passe incorrect.", code="password_incorrect")
        throttle.register_success(email=user.email, ip=ip)
        return password


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="Nom du jeton",
        max_length=100,
        help_text="Pour vous y retrouver, par exemple « Tableur du cabinet » ou « Script MSP ».",
    )


class FrenchPasswordResetForm(PasswordResetForm):
    email = _email_field()
