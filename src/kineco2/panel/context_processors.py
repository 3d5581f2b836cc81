"""Template context: whether the viewer has a panel role (for the navigation)."""

from django.utils.functional import SimpleLazyObject


def panel(request):
    def is_staff() -> bool:
        from kineco2.panel.roles import perimeter_for

        user = getattr(request, "user", None)
        return bool(user and user.is_authenticated and perimeter_for(user).is_staff_member)

    return {"is_panel_staff": SimpleLazyObject(is_staff)}
