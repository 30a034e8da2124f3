"""The experts' mobile app API: their assignments, each step of the work, the knowledge base."""

from collections.abc import Callable

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.exceptions import APIException, NotFound, PermissionDenied
from rest_framework.response import Response

from config.api_fields import StrictCharField, StrictModelSerializer
from config.api_pagination import newest_first
from ticketing import services
from ticketing.models import Article, Assignment, Expert
from ticketing.selectors import articles_search, assignments_of, expert_of_user


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "wrong_state"


class ExpertAPIView(generics.GenericAPIView):
    """A view for a signed-in expert only."""

    expert: Expert

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        expert = expert_of_user(request.user.id)
        if expert is None:
            raise PermissionDenied("This account has no expert profile.")
        self.expert = expert


class AssignmentSerializer(StrictModelSerializer):
    ticket_id = serializers.UUIDField(source="ticket.id")
    title = serializers.CharField(source="ticket.title")
    description = serializers.CharField(source="ticket.description")
    device_category = serializers.CharField(source="ticket.device_category")
    priority = serializers.CharField(source="ticket.priority")
    customer_name = serializers.CharField(source="ticket.customer_name")
    customer_region = serializers.CharField(source="ticket.customer_region")

    class Meta:
        model = Assignment
        fields = [
            "id",
            "status",
            "ticket_id",
            "title",
            "description",
            "device_category",
            "priority",
            "customer_name",
            "customer_region",
            "assigned_at",
            "expected_arrival",
            "accepted_at",
            "started_at",
            "completed_at",
            "rejected_at",
            "rejection_reason",
            "resolution_notes",
        ]


class AssignmentList(ExpertAPIView, generics.ListAPIView):
    """The signed-in expert's assignments, newest first, a page at a time."""

    serializer_class = AssignmentSerializer
    pagination_class = newest_first("assigned_at")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no expert
            return Assignment.objects.none()
        return assignments_of(self.expert)


class RejectionSerializer(serializers.Serializer):
    reason = StrictCharField(max_length=1000)


class CompletionSerializer(serializers.Serializer):
    resolution_notes = StrictCharField(max_length=5000)


class AssignmentStep(ExpertAPIView):
    """POST moves one of the expert's assignments a step on; another's is a 404, a step the
    assignment cannot take now is a 409, and either way nothing changes."""

    serializer_class = AssignmentSerializer
    step: Callable[..., Assignment]
    input_serializer: type[serializers.Serializer] | None = None

    def post(self, request, pk: int) -> Response:
        given = {}
        if self.input_serializer is not None:
            form = self.input_serializer(data=request.data)
            form.is_valid(raise_exception=True)
            given = form.validated_data
        try:
            assignment = self.step(expert=self.expert, assignment_id=pk, **given)
        except services.AssignmentNotFound as error:
            raise NotFound(str(error)) from None
        except services.WrongAssignmentState as error:
            raise Conflict(str(error)) from None
        return Response(AssignmentSerializer(assignment).data)


def step_schema(request: type[serializers.Serializer] | None):
    return extend_schema_view(
        post=extend_schema(
            request=request,
            responses={
                200: AssignmentSerializer,
                409: OpenApiResponse(description="The assignment cannot take this step now."),
            },
        )
    )


@step_schema(request=None)
class AssignmentAccept(AssignmentStep):
    step = staticmethod(services.assignment_accept)


@step_schema(request=RejectionSerializer)
class AssignmentReject(AssignmentStep):
    """Declines the assignment with a reason; the ticket goes back to the queue for another expert."""

    step = staticmethod(services.assignment_reject)
    input_serializer = RejectionSerializer


@step_schema(request=None)
class AssignmentStart(AssignmentStep):
    step = staticmethod(services.assignment_start)


@step_schema(request=CompletionSerializer)
class AssignmentComplete(AssignmentStep):
    step = staticmethod(services.assignment_complete)
    input_serializer = CompletionSerializer


class ArticleSerializer(StrictModelSerializer):
    author = serializers.SerializerMethodField()

    class Meta:
        model = Article
        fields = ["id", "title", "body", "device_category", "author", "created_at", "updated_at"]
        read_only_fields = ["id", "author", "created_at", "updated_at"]

    def get_author(self, article: Article) -> str:
        """The author's name; blank once the author's expert profile is gone."""
        return article.author.name if article.author else ""


class ArticleListCreate(ExpertAPIView, generics.ListCreateAPIView):
    """`?q=words` searches the knowledge base, the most relevant articles first (at most 50);
    without it, every article, newest first, a page at a time. POST writes a new article."""

    serializer_class = ArticleSerializer
    pagination_class = newest_first("updated_at")

    def list(self, request, *args, **kwargs) -> Response:
        text = request.query_params.get("q", "").strip()
        if not text:
            return super().list(request, *args, **kwargs)
        found = ArticleSerializer(articles_search(text=text), many=True).data
        # The same shape as a page of the list: the ranked results are one page, the only one.
        return Response({"next": None, "previous": None, "results": found})

    def get_queryset(self):
        return Article.objects.select_related("author")

    def perform_create(self, serializer: ArticleSerializer) -> None:
        serializer.instance = services.article_create(
            author=self.expert, **serializer.validated_data
        )


class ArticleDetail(ExpertAPIView, generics.RetrieveUpdateAPIView):
    """One article; PATCH updates it (any expert may improve any article)."""

    serializer_class = ArticleSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        return Article.objects.select_related("author")

    def perform_update(self, serializer: ArticleSerializer) -> None:
        serializer.instance = services.article_update(
            article=serializer.instance, **serializer.validated_data
        )
