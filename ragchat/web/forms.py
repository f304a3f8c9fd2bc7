"""The review UI's forms. Every POST form is a FlaskForm, so it carries a CSRF token; the
rules for what may be stored are the API's own (the column lengths, `storable_problem`)."""

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import AnyOf, DataRequired, Length, Optional, ValidationError

from ragchat.insights import SOURCE_ORDERS
from ragchat.insights.period import LAST_DAYS
from ragchat.rules import TITLE_LENGTH, USER_ID_LENGTH, storable_problem


def strip(value):
    return value.strip() if isinstance(value, str) else value


def storable(form, field):
    """Refuse what the database could not store (NUL characters), as the API does."""
    problem = storable_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


def at_most(length):
    return Length(max=length, message=f"Use at most {length} characters.")


class SignInForm(FlaskForm):
    api_key = PasswordField(
        "API key", filters=[strip], validators=[DataRequired("Enter an API key.")]
    )
    next = HiddenField()


class RenameForm(FlaskForm):
    title = StringField(
        "Title",
        filters=[strip],
        validators=[DataRequired("Enter a title."), at_most(TITLE_LENGTH), storable],
    )


class FavoriteForm(FlaskForm):
    # The state wanted, not a toggle: a double submit or a stale page cannot flip it back.
    favorite = HiddenField(validators=[AnyOf(("0", "1"))])
    next = HiddenField()


class ConfirmForm(FlaskForm):
    """A button and its CSRF token (deleting a chat)."""


class SearchForm(FlaskForm):
    """The search box on every page: a GET form, so no token."""

    class Meta:
        csrf = False

    q = StringField(
        "Search all chats",
        filters=[strip],
        validators=[DataRequired("Enter words to find."), at_most(500), storable],
    )


def offered_days(form, field):
    if field.data is not None and field.data not in LAST_DAYS:
        *most, last = LAST_DAYS
        raise ValidationError(f"Choose {', '.join(map(str, most))} or {last} days.")


class InsightsForm(FlaskForm):
    """The insights page's choices (a GET form, so no token): the last `days` days, or the
    days from `since` to `until`; one end user or all; how the sources are ordered."""

    class Meta:
        csrf = False

    days = IntegerField("Days", validators=[Optional(), offered_days])
    since = DateField("From", validators=[Optional()])
    until = DateField("To", validators=[Optional()])
    user_id = StringField(
        "User id",
        validators=[Optional(strip_whitespace=False), at_most(USER_ID_LENGTH), storable],
    )
    sort = SelectField(
        "Sources by",
        choices=[SelectChoice(order) for order in SOURCE_ORDERS],
        default=SOURCE_ORDERS[0],
    )
