"""The insights page: a period's conversations, ratings, cited sources, retrieval quality
and models, as tables in which every figure links to the chat list narrowed to the chats
behind it. static/js/insights.js draws the charts from those same tables, so the page is
whole without JavaScript and the numbers have one source."""

from flask import Blueprint, redirect, render_template, request, url_for

from ragchat import insights
from ragchat.exceptions import InvalidInput
from ragchat.insights.period import DEFAULT_DAYS, LAST_DAYS, last_days, period_of
from ragchat.transactions import one_transaction
from ragchat.web.auth import current_tenant, no_store, scope_required
from ragchat.web.forms import InsightsForm

bp = Blueprint("web_insights", __name__)  # "insights" is the API's
bp.after_request(no_store)

SORTS = {"down": "Most rated down", "share": "Largest share rated down", "answers": "Most cited"}


@bp.get("/insights")
@scope_required("read")
@one_transaction  # several statements, and a read that ends in a COMMIT (see transactions)
def overview():
    """A period's figures, each linking to the chats behind it."""
    form = InsightsForm(request.args)
    figures = None
    if form.validate():
        if "" in request.args.values():  # the form sends its empty fields too: not in links
            return redirect(url_for("web_insights.overview", **choices_in_use(form)))
        try:
            period = chosen_period(form)
        except InvalidInput as problem:
            form[problem.field].errors.append(str(problem))
        else:
            figures = insights.insights(
                current_tenant(), period, form.user_id.data or None, sources_order=form.sort.data
            )
    html = render_template(
        "insights/overview.html",
        form=form,
        figures=figures,
        preset=preset(form),
        last_days=LAST_DAYS,
        sorts=SORTS,
        chats=chats_behind(form.user_id.data) if figures else None,
        with_choices=with_choices(form),
    )
    return html, 200 if figures else 422


def chosen_period(form):
    """From and to if either is given, else the last `days` days (30 by default)."""
    if form.since.data or form.until.data:
        return period_of(form.since.data, form.until.data)
    return last_days(form.days.data or DEFAULT_DAYS)


def preset(form):
    """The 'last N days' shown, or None for a period of chosen dates."""
    if form.since.data or form.until.data:
        return None
    return form.days.data or DEFAULT_DAYS


def choices_in_use(form):
    """The page's query arguments that are its form's and say something."""
    return {name: value for name, value in request.args.items() if name in form.data and value}


def with_choices(form):
    """This page's address with some choices changed (the period presets and the sources'
    sort links keep the rest)."""
    kept = choices_in_use(form)

    def with_(**changes):
        arguments = {**kept, **changes}
        if "days" in changes:  # a preset replaces chosen dates
            arguments.pop("since", None)
            arguments.pop("until", None)
        return url_for("web_insights.overview", **arguments)

    return with_


def chats_behind(user_id):
    """The chat list's address for a figure's filters (and the page's end user): exactly
    the chats with a message that the figure counted."""
    scope = {"user_id": user_id} if user_id else {}

    def link(**filters):
        return url_for("web.index", **scope, **filters)

    return link
