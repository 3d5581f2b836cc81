"""Forms of the outreach pages (French labels and messages)."""

from __future__ import annotations

from django import forms

from kineco2.outreach.models import Audience, ContactMethod, SupportStatus, SupportTopic
from kineco2.outreach.services import CONSENT_TEXT

FUNCTION_SUGGESTIONS = (
    "Kinésithérapeute libéral(e)",
    "Kinésithérapeute salarié(e)",
    "Étudiant(e) en kinésithérapie",
    "Élu(e) ou salarié(e) d'URPS",
    "Autre",
)


class SubscribeForm(forms.Form):
    email = forms.EmailField(label="Adresse e-mail", max_length=254)
    first_name = forms.CharField(label="Prénom", max_length=100)
    last_name = forms.CharField(label="Nom", max_length=100)
    postal_code = forms.CharField(
        label="Code postal",
        max_length=5,
        help_text="Celui de votre lieu d'exercice : il désigne votre URPS (outre-mer compris).",
    )
    function = forms.CharField(
        label="Fonction (facultatif)",
        max_length=120,
        required=False,
        help_text="Par exemple : " + ", ".join(FUNCTION_SUGGESTIONS[:3]).lower() + ".",
    )
    consent = forms.BooleanField(
        label=CONSENT_TEXT,
        error_messages={"required": "Cochez cette case pour vous abonner."},
    )
    #: Left empty by people; robots fill every field.
    website = forms.CharField(
        required=False,
        label="Ne pas remplir",
        max_length=100,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def clean_postal_code(self):
        code = "".join(self.cleaned_data["postal_code"].split())
        if not (len(code) == 5 and code.isdigit()):
            raise forms.ValidationError("Indiquez un code postal à 5 chiffres (ex. 69003, 97400).")
        return code


class NewsForm(forms.Form):
    title = forms.CharField(label="Titre", max_length=200)
    body = forms.CharField(
        label="Texte",
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=(
            "Markdown simple : une ligne vide entre deux paragraphes, **gras**, *italique*, "
            "listes avec « - », liens [texte](https://…). Le HTML n'est pas interprété."
        ),
    )
    audience = forms.ChoiceField(label="Destinataires", choices=Audience.choices)
    region_code = forms.ChoiceField(label="Région", required=False, choices=())

    def __init__(self, *args, regions: dict[str, str], national: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region_code"].choices = [("", "—"), *regions.items()]
        if not national:
            self.fields["audience"].choices = [(Audience.REGIONAL, "Les abonnés de ma région")]

    def clean(self):
        data = super().clean()
        if data.get("audience") == Audience.REGIONAL and not data.get("region_code"):
            self.add_error("region_code", "Choisissez la région destinataire.")
        return data


class WebinarForm(forms.Form):
    title = forms.CharField(label="Titre", max_length=200)
    description = forms.CharField(label="Présentation", widget=forms.Textarea(attrs={"rows": 6}))
    starts_at = forms.DateTimeField(
        label="Date et heure (heure de Paris)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
        error_messages={"invalid": "Indiquez la date et l'heure, par exemple 12/03/2027 18:30."},
    )
    duration_minutes = forms.IntegerField(label="Durée (minutes)", min_value=15, max_value=480)
    speakers = forms.CharField(
        label="Intervenants",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Un par ligne : nom, fonction.",
    )
    join_url = forms.URLField(label="Lien de connexion", max_length=500, assume_scheme="https")
    region_code = forms.ChoiceField(label="Organisée par", required=False, choices=())
    replay_url = forms.URLField(
        label="Lien du replay", max_length=500, required=False, assume_scheme="https"
    )
    slides_url = forms.URLField(
        label="Lien des diapositives", max_length=500, required=False, assume_scheme="https"
    )

    def __init__(self, *args, regions: dict[str, str], national: bool, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(code, f"URPS {name}") for code, name in regions.items()]
        if national:
            choices = [("", "La coordination nationale"), *choices]
        self.fields["region_code"].choices = choices
        self.fields["region_code"].required = not national


class RegistrationForm(forms.Form):
    email = forms.EmailField(label="Adresse e-mail", max_length=254)
    first_name = forms.CharField(label="Prénom", max_length=100)
    last_name = forms.CharField(label="Nom", max_length=100)


class QuestionForm(forms.Form):
    question = forms.CharField(
        label="Votre question", widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    asked_by = forms.CharField(
        label="Votre prénom (facultatif, affiché avec la question)", max_length=100, required=False
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label="Réponse", widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=8000
    )
    to_faq = forms.BooleanField(label="Ajouter à la FAQ publique", required=False)


class SupportRequestForm(forms.Form):
    topics = forms.MultipleChoiceField(
        label="Sur quoi souhaitez-vous être accompagné(e) ?",
        choices=SupportTopic.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Cochez au moins un sujet."},
    )
    message = forms.CharField(
        label="Précisez votre besoin (facultatif)",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=4000,
        help_text="Ne mentionnez aucune donnée de patient.",
    )
    contact_method = forms.ChoiceField(
        label="Comment souhaitez-vous être contacté(e) ?",
        choices=ContactMethod.choices,
        widget=forms.RadioSelect,
        initial=ContactMethod.EMAIL,
    )
    phone = forms.CharField(label="Téléphone", max_length=30, required=False)
    availability = forms.CharField(
        label="Vos disponibilités (facultatif)",
        max_length=200,
        required=False,
        help_text="Par exemple : le mardi midi, après 19 h.",
    )

    def clean(self):
        data = super().clean()
        if data.get("contact_method") == ContactMethod.PHONE:
            digits = [c for c in data.get("phone", "") if c.isdigit()]
            if len(digits) < 9:
                self.add_error("phone", "Indiquez un numéro de téléphone pour être rappelé(e).")
        return data


class SupportUpdateForm(forms.Form):
    status = forms.ChoiceField(label="Statut", choices=SupportStatus.choices)
    assigned_to = forms.TypedChoiceField(
        label="Suivie par", required=False, coerce=int, empty_value=None, choices=()
    )
    note = forms.CharField(
        label="Ajouter une note (interne, jamais montrée au cabinet)",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=4000,
    )

    def __init__(self, *args, coordinators, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].choices = [("", "Personne")] + [
            (u.pk, u.get_full_name() or u.email) for u in coordinators
        ]
