from rest_framework.routers import DefaultRouter

from journeys import api
from journeys.api import maps

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("channels", api.ChannelViewSet, basename="channel")
router.register("departments", api.DepartmentViewSet, basename="department")
router.register("personas", api.PersonaViewSet, basename="persona")
router.register("touchpoints", api.TouchpointViewSet, basename="touchpoint")
router.register("customers", api.CustomerViewSet, basename="customer")
router.register("journeys", maps.JourneyViewSet, basename="journey")
router.register("journey-events", maps.JourneyEventViewSet, basename="journey-event")

urlpatterns = router.urls
