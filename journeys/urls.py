from django.urls import path

from journeys import views

app_name = "journeys"
urlpatterns = [
    path("customers/", views.customer_list, name="customer_list"),
    path("customers/<str:external_id>/", views.customer_detail, name="customer_detail"),
]
