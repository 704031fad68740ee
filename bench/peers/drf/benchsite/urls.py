from django.urls import include, path
from rest_framework.routers import DefaultRouter
from rest_framework_simplejwt.views import TokenObtainPairView

from blog import views

router = DefaultRouter()
router.register("posts", views.PostViewSet)
router.register("notes", views.NoteViewSet, basename="note")

urlpatterns = [
    path("api/", include(router.urls)),
    path("api/auth/login/", TokenObtainPairView.as_view()),
    path("api/auth/refresh/", views.AuthRefreshView.as_view()),
]
