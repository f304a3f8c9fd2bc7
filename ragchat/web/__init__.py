"""The review UI: server-rendered pages where people read the chats with the passages
retrieved for each answer, and rename, favorite or delete them. Every page calls the same
functions in `ragchat.chats` as the API, scoped to the signed-in key's tenant."""

from datetime import UTC, date, timedelta

from flask import Flask

from ragchat.models import SENDER_NAMES
from ragchat.web import auth, insights, views

# Flask keeps a permanent session for a month by default; a sign-in should not outlive a
# working day without use (each request moves the expiry on).
SIGN_IN_LIFETIME = timedelta(hours=12)


def register_web(app):
    if (
        app.config["PERMANENT_SESSION_LIFETIME"]
        == Flask.default_config["PERMANENT_SESSION_LIFETIME"]
    ):
        app.config["PERMANENT_SESSION_LIFETIME"] = SIGN_IN_LIFETIME
    app.register_blueprint(auth.bp)
    app.register_blueprint(views.bp)
    app.register_blueprint(insights.bp)
    # Every template, error pages included, may show who is signed in; none looks it up.
    app.context_processor(auth.template_context)
    app.add_template_global(SENDER_NAMES, "sender_names")
    app.add_template_filter(iso_time)
    app.add_template_filter(human_time)
    for figure in (count, percent, ms, score, day, short_day):
        app.add_template_filter(figure)


def iso_time(moment):
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def human_time(moment):
    """The same text for every reader (pages render without script, so no local zone)."""
    moment = moment.astimezone(UTC)
    return f"{moment.day} {moment:%b %Y, %H:%M} UTC"


# Figures, written the same way on every page.


def count(number):
    return f"{number:,}"


def percent(fraction):
    return f"{fraction:.0%}"


def ms(milliseconds):
    return f"{milliseconds:,.0f} ms"


def score(value):
    """A score bucket's edge, shortest (0.3, not 0.30000000000000004)."""
    return f"{value:.3g}"


def day(value):
    """A day (a date or YYYY-MM-DD) as '3 Nov 2026'."""
    value = date.fromisoformat(str(value))
    return f"{value.day} {value:%b %Y}"


def short_day(value):
    value = date.fromisoformat(str(value))
    return f"{value.day} {value:%b}"
