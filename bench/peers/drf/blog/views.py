from rest_framework import mixins, permissions, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.tokens import AccessToken

from .models import Note, Post
from .serializers import NoteSerializer, PostSerializer, UserSerializer


class PostViewSet(mixins.CreateModelMixin, mixins.RetrieveModelMixin, mixins.ListModelMixin,
                  viewsets.GenericViewSet):
    """GET /api/posts/?published=true&views__gt=100&author=7&ordering=-created, GET/POST."""
    queryset = Post.objects.all()
    serializer_class = PostSerializer
    filterset_fields = {"published": ["exact"], "views": ["gt"], "author": ["exact"]}
    ordering_fields = ["created"]
    ordering = ["-created"]


class NoteViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The signed-in user's own notes, newest first."""
    serializer_class = NoteSerializer
    permission_classes = [permissions.IsAuthenticated]
    filter_backends = []

    def get_queryset(self):
        return Note.objects.filter(author=self.request.user).order_by("-created")


class AuthRefreshView(APIView):
    """A new access token for a valid one, with the user record (PocketBase's auth-refresh)."""
    permission_classes = [permissions.IsAuthenticated]

    def post(self, request):
        return Response({"token": str(AccessToken.for_user(request.user)),
                         "record": UserSerializer(request.user).data})
