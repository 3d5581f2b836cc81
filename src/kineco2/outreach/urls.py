"""Outreach URLs: newsletter (/lettre/), news (/actualites/), webinars (/webconferences/),
support (/accompagnement/). Paths in French, names in English."""

from django.urls import path

from kineco2.outreach import views

newsletter = [
    path("", views.subscribe, name="outreach_subscribe"),
    path("merci/", views.subscribe_done, name="outreach_subscribe_done"),
    path("confirmer/<str:token>/", views.confirm, name="outreach_confirm"),
    path("desabonnement/<str:token>/", views.unsubscribe, name="outreach_unsubscribe"),
    path("mes-donnees/<str:token>/", views.my_data, name="outreach_my_data"),
]

news = [
    path("", views.news_archive, name="outreach_news_archive"),
    path("<int:pk>/", views.news_detail, name="outreach_news_detail"),
    path("redaction/", views.news_manage, name="outreach_news_manage"),
    path("redaction/nouvelle/", views.news_edit, name="outreach_news_create"),
    path("redaction/<int:pk>/", views.news_edit, name="outreach_news_edit"),
]

webinars = [
    path("", views.webinar_list, name="outreach_webinar_list"),
    path("<int:pk>/", views.webinar_detail, name="outreach_webinar_detail"),
    path("<int:pk>/inscription/", views.webinar_register, name="outreach_webinar_register"),
    path("<int:pk>/question/", views.webinar_question, name="outreach_webinar_question"),
    path("annulation/<str:token>/", views.webinar_cancel, name="outreach_webinar_cancel"),
    path("gestion/", views.webinar_manage, name="outreach_webinar_manage"),
    path("gestion/nouvelle/", views.webinar_edit, name="outreach_webinar_create"),
    path("gestion/<int:pk>/", views.webinar_edit, name="outreach_webinar_edit"),
    path(
        "gestion/<int:pk>/questions/<int:question_pk>/",
        views.question_answer,
        name="outreach_question_answer",
    ),
]

support = [
    path("demander/<int:practice_pk>/", views.support_create, name="outreach_support_create"),
    path("mes-demandes/", views.support_mine, name="outreach_support_mine"),
    path("urps/", views.support_inbox, name="outreach_support_inbox"),
    path("urps/<int:pk>/", views.support_detail, name="outreach_support_detail"),
    path("statistiques/", views.support_stats, name="outreach_support_stats"),
]
