from rest_framework.routers import DefaultRouter

from tickets import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("tickets", api.TicketViewSet, basename="ticket")
router.register("categories", api.CategoryViewSet, basename="category")

urlpatterns = router.urls
