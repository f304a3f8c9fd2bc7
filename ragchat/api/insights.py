"""Insights: a period's figures, for a team's own dashboards."""

from flask.views import MethodView
from marshmallow import Schema, fields
from marshmallow.validate import OneOf, Range

from ragchat import insights
from ragchat.api.auth import current_tenant, require_scope
from ragchat.api.parsing import ApiBlueprint
from ragchat.fields import user_id_field
from ragchat.insights.period import EARLIEST, LATEST, MAX_DAYS, period_of
from ragchat.transactions import one_transaction

blp = ApiBlueprint(
    "insights",
    __name__,
    url_prefix="/api/insights",
    description="What the chatbot answered, from which sources, and how it was rated.",
)


def day_field(description):
    return fields.Date(
        validate=Range(min=EARLIEST, max=LATEST),
        metadata={"description": f"{description} (YYYY-MM-DD, UTC days, inclusive)."},
    )


class InsightsArgsSchema(Schema):
    since = day_field("The first day; default: 30 days up to `until`")
    until = day_field(f"The last day; default: today. At most {MAX_DAYS} days in all")
    user_id = user_id_field(metadata={"description": "Only this end user's chats."})
    sources_order = fields.String(
        load_default="down",
        validate=OneOf(insights.SOURCE_ORDERS),
        metadata={
            "description": "down: most answers rated down first; share: largest share of "
            "ratings down first; answers: most cited first."
        },
    )
    sources = fields.Integer(
        load_default=insights.DEFAULT_SOURCES,
        validate=Range(min=1, max=insights.MAX_SOURCES),
        metadata={"description": "How many sources to list."},
    )


SHARE = {"description": "rated_down / (rated_up + rated_down); null when none was rated."}


class DaySchema(Schema):
    date = fields.String(metadata={"example": "2026-11-30"})
    conversations = fields.Integer(metadata={"description": "Sessions started that day."})
    messages = fields.Integer()
    answers = fields.Integer(metadata={"description": "AI messages."})
    rated_up = fields.Integer(metadata={"description": "Answers rated up."})
    rated_down = fields.Integer(metadata={"description": "Answers rated down."})
    down_share = fields.Float(allow_none=True, metadata=SHARE)
    without_passages = fields.Integer(
        metadata={"description": "Answers given with no retrieved passage."}
    )


class TotalsSchema(DaySchema):
    class Meta:
        exclude = ("date",)

    without_passages_share = fields.Float(allow_none=True)


class SourceSchema(Schema):
    source = fields.String(metadata={"description": "A passage's source, title or url."})
    url = fields.String(allow_none=True)
    answers = fields.Integer(metadata={"description": "Answers that cited it."})
    rated_up = fields.Integer()
    rated_down = fields.Integer()
    down_share = fields.Float(allow_none=True, metadata=SHARE)


class ScoreBucketSchema(Schema):
    low = fields.Float()
    high = fields.Float()
    rated_up = fields.Integer()
    rated_down = fields.Integer()


class RetrievalSchema(Schema):
    buckets = fields.List(
        fields.Nested(ScoreBucketSchema),
        metadata={"description": "Rated answers by their best passage score."},
    )
    unscored_up = fields.Integer()
    unscored_down = fields.Integer()
    no_passages_up = fields.Integer()
    no_passages_down = fields.Integer()


class ModelDaySchema(Schema):
    date = fields.String()
    model = fields.String(allow_none=True)
    answers = fields.Integer()
    latency_p50_ms = fields.Float(allow_none=True)
    latency_p95_ms = fields.Float(allow_none=True)
    prompt_tokens = fields.Integer()
    completion_tokens = fields.Integer()


class PeriodSchema(Schema):
    since = fields.Date()
    until = fields.Date()


class InsightsSchema(Schema):
    period = fields.Nested(PeriodSchema)
    user_id = fields.String(allow_none=True)
    totals = fields.Nested(TotalsSchema)
    days = fields.List(fields.Nested(DaySchema))
    sources = fields.List(fields.Nested(SourceSchema))
    source_count = fields.Integer(metadata={"description": "Distinct sources cited."})
    retrieval = fields.Nested(RetrievalSchema)
    models = fields.List(
        fields.Nested(ModelDaySchema),
        metadata={"description": "Answers with model, latency_ms or token metadata."},
    )


@blp.route("")
class Insights(MethodView):
    decorators = [require_scope("read"), one_transaction]

    @blp.arguments(InsightsArgsSchema, location="query")
    @blp.response(200, InsightsSchema)
    def get(self, args):
        """A period's conversations, ratings, cited sources, retrieval quality and models"""
        period = period_of(args.get("since"), args.get("until"))
        return insights.insights(
            current_tenant(),
            period,
            args.get("user_id"),
            sources_order=args["sources_order"],
            sources=args["sources"],
        )
