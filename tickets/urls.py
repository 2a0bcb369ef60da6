from django.urls import path

from tickets import views

app_name = "tickets"
urlpatterns = [
    path("tickets/", views.queue, name="queue"),
    path("tickets/new/", views.ticket_new, name="new"),
    path("tickets/<int:pk>/", views.ticket_detail, name="detail"),
    path("tickets/<int:pk>/reply/", views.ticket_reply, name="reply"),
    path("tickets/<int:pk>/status/", views.ticket_status, name="status"),
    path("tickets/<int:pk>/assign/", views.ticket_assign, name="assign"),
    path("tickets/<int:pk>/triage/", views.ticket_triage, name="triage"),
]
