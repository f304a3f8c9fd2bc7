"""The chat list's filters: a GET form over a chat's own fields (its user, title, favorite
mark, the day it started) and over one of its messages (when it was sent, by whom, its
rating, the source it cites, its model, its retrieval), all met by the same message. They
are what the insights page's figures link to, so each day is a whole UTC day, as insights
count them."""

import math
from datetime import date

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, FloatField, SelectChoice, SelectField, StringField
from wtforms.validators import Optional, ValidationError

from ragchat.chats.filters import MessageMatch
from ragchat.insights.period import EARLIEST, LATEST, end_of, start_of
from ragchat.models import SENDER_NAMES
from ragchat.rules import MAX_METADATA_VALUE, SOURCE_LENGTH, TITLE_LENGTH, USER_ID_LENGTH
from ragchat.web.forms import at_most, storable, strip

OFF = ("", "0", "false")  # what an unchecked box may send
RATINGS = [("", "Any or none"), ("up", "Rated up"), ("down", "Rated down"), ("any", "Rated")]
RETRIEVALS = [("", "Any"), ("none", "No passage retrieved"), ("unscored", "Passages, no score")]
SENDERS = [("", "Anyone"), *SENDER_NAMES.items()]
EN_DASH = "\u2013"
MESSAGE_NOUNS = {"ai": "an answer", "user": "a user message", "system": "a system message"}


def in_calendar(form, field):
    """Days whose whole span (to the next midnight) the database can hold."""
    if field.data is not None and not EARLIEST <= field.data <= LATEST:
        raise ValidationError(f"Use a day from {EARLIEST} to {LATEST}.")


def finite(form, field):
    if field.data is not None and not math.isfinite(field.data):
        raise ValidationError("Enter a number.")


def choices(pairs):
    return [SelectChoice(value, label) for value, label in pairs]


def day_field(label):
    return DateField(label, validators=[Optional(), in_calendar])


def days(since, until):
    """A span of days in words: 'on 2026-11-03', '2026-11-03 to 2026-11-09' (with an en
    dash), 'from 2026-11-03', 'until 2026-11-09'."""
    if since and until:
        return f"on {since}" if since == until else f"{since} {EN_DASH} {until}"
    if since or until:
        return f"from {since}" if since else f"until {until}"
    return None


class FilterForm(FlaskForm):
    """The chat list's filters: a GET form, which only reads, so it needs no token."""

    class Meta:
        csrf = False

    # Not stripped: user ids are matched exactly, as the API stored them.
    user_id = StringField(
        "User id",
        validators=[Optional(strip_whitespace=False), at_most(USER_ID_LENGTH), storable],
    )
    q = StringField(
        "Title contains", filters=[strip], validators=[Optional(), at_most(TITLE_LENGTH), storable]
    )
    rating = SelectField("Rating", choices=choices(RATINGS), default="")
    favorites = BooleanField("Favorites only", false_values=OFF)
    started_since = day_field("Started from")
    started_until = day_field("Started until")
    sent_since = day_field("Message sent from")
    sent_until = day_field("Message sent until")
    sender = SelectField("Sent by", choices=choices(SENDERS), default="")
    cites = StringField(
        "Answer cites source",
        filters=[strip],
        validators=[Optional(), at_most(SOURCE_LENGTH), storable],
    )
    model = StringField(
        "Answered by model",
        filters=[strip],
        validators=[Optional(), at_most(MAX_METADATA_VALUE), storable],
    )
    retrieval = SelectField("Retrieval", choices=choices(RETRIEVALS), default="")
    score_from = FloatField("Best passage score from", validators=[Optional(), finite])
    score_to = FloatField("Best passage score below", validators=[Optional(), finite])

    MESSAGE_FIELDS = ("sent_since", "sent_until", "sender", "cites", "model", "retrieval")
    MORE = ("started_since", "started_until", *MESSAGE_FIELDS, "score_from", "score_to")

    @classmethod
    def from_query(cls, args):
        """The form over the query's arguments; `rated_down=1`, the checkbox this list had
        before ratings of every kind, still means rating=down (bookmarks keep working)."""
        if args.get("rated_down", "") not in OFF and not args.get("rating"):
            args = args.copy()
            args["rating"] = "down"
        return cls(args)

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        for since, until in (
            (self.started_since, self.started_until),
            (self.sent_since, self.sent_until),
        ):
            if since.data and until.data and until.data < since.data:
                until.errors.append("Must not be before the first day.")
                valid = False
        low, high = self.score_from.data, self.score_to.data
        if low is not None and high is not None and high <= low and not self.score_to.errors:
            self.score_to.errors.append("Must be above the score it starts from.")
            valid = False
        return valid

    def more_to_fix(self):
        """Whether a filter beyond the first row is wrong: they are shown, folded away
        otherwise (the sentence under the form says which are in use)."""
        return any(self[name].errors for name in self.MORE)

    def session_filters(self):
        """The filters as ragchat.chats.sessions.list_sessions takes them (but the user)."""
        return {
            "is_favorite": True if self.favorites.data else None,
            "title_contains": self.q.data or None,
            "started_since": start_of(self.started_since.data),
            "started_until": end_of(self.started_until.data),
            "message": MessageMatch(
                since=start_of(self.sent_since.data),
                until=end_of(self.sent_until.data),
                sender=self.sender.data or None,
                rating=self.rating.data or None,
                cites=self.cites.data or None,
                model=self.model.data or None,
                retrieval=self.retrieval.data or None,
                score_from=self.score_from.data,
                score_to=self.score_to.data,
            ),
        }

    def arguments(self):
        """The filters in use, as query arguments (for links that keep them). Scores are
        written in full, so that a link matches exactly the scores it was made from."""
        found = {}
        for field in self:
            value = field.data
            if value is None or value == "" or value is False:
                continue
            if value is True:
                value = "1"
            elif isinstance(value, date | float):
                value = value.isoformat() if isinstance(value, date) else repr(value)
            found[field.name] = value
        return found

    def description(self):
        """The filters in use, in words: 'of user “alice”, with an answer citing
        “faq.md”, rated down, sent on 2026-11-03'; None without filters."""
        parts = []
        if self.user_id.data:
            parts.append(f"of user “{self.user_id.data}”")
        if self.q.data:
            parts.append(f"with “{self.q.data}” in the title")
        if self.favorites.data:
            parts.append("marked as favorites")
        if started := days(self.started_since.data, self.started_until.data):
            parts.append(f"started {started}")
        if message := self.message_description():
            parts.append(message)
        return ", ".join(parts) or None

    def message_description(self):
        said = []
        if self.cites.data:
            said.append(f"citing “{self.cites.data}”")
        if self.model.data:
            said.append(f"by model “{self.model.data}”")
        if self.rating.data:
            said.append(dict(RATINGS)[self.rating.data].lower())
        if self.retrieval.data == "none":
            said.append("with no passage retrieved")
        elif self.retrieval.data == "unscored":
            said.append("with passages but no score")
        low, high = self.score_from.data, self.score_to.data
        if low is not None and high is not None:
            said.append(f"best passage score from {low:g} to below {high:g}")
        elif low is not None:
            said.append(f"best passage score {low:g} or more")
        elif high is not None:
            said.append(f"best passage score below {high:g}")
        if sent := days(self.sent_since.data, self.sent_until.data):
            said.append(f"sent {sent}")
        if not said and not self.sender.data:
            return None
        sender = self.sender.data
        noun = MESSAGE_NOUNS.get(sender, f"a {sender} message" if sender else "a message")
        return " ".join(["with", noun, ", ".join(said)]).strip()
