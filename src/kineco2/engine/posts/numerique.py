"""Usages numériques (scope 3, BEGES 4.5): e-mails, video calls and cloud storage (ADEME
Impact CO2 usage values, orders of magnitude)."""

from __future__ import annotations

from kineco2.engine.context import Context

ID = "numerique"
LABEL = "Usages numériques"
METHOD = "E-mails, heures de visioconférence et données stockées × facteurs d'usage ADEME Impact CO2 (ordres de grandeur)."
USES = {  # field -> (factor, label, unit)
    "emails_per_year": ("email", "E-mails envoyés", "e-mails"),
    "video_hours_per_year": ("visio_heure", "Visioconférence", "h"),
    "cloud_gb": ("stockage_go_an", "Stockage en ligne", "Go.an"),
}
FACTORS = frozenset(f for f, _, _ in USES.values())
PARAMETERS: frozenset[str] = frozenset()


def compute(ctx: Context) -> None:
    for field, (factor, label, unit) in USES.items():
        quantity = ctx.answer(ID, field, field)
        if quantity.value > 0:
            ctx.line(ID, field, label, quantity, factor, unit=unit, scope=3, beges="4.5")
    if ctx.sessions_remote.value > 0:
        # A télésoin session replaces the patient's trip by about half an hour of video.
        hours = ctx.sessions_remote * ctx.default("telehealth_hours_per_session")
        ctx.line(
            ID,
            "telesoin",
            "Séances de télésoin (vidéo)",
            hours,
            "visio_heure",
            unit="h",
            scope=3,
            beges="4.5",
        )
