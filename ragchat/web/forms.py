"""The review UI's forms. Every POST form is a FlaskForm, so it carries a CSRF token; the
rules for what may be stored are the API's own (the column lengths, `storable_problem`)."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, StringField
from wtforms.validators import AnyOf, DataRequired, Length, Optional, ValidationError

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
    favorites = BooleanField("Favorites only", false_values=("", "0", "false"))
    rated_down = BooleanField("Rated down only", false_values=("", "0", "false"))

    def arguments(self):
        """The filters in use, as query arguments (for links that keep them)."""
        fields = {"user_id": self.user_id.data, "q": self.q.data}
        if self.favorites.data:
            fields["favorites"] = "1"
        if self.rated_down.data:
            fields["rated_down"] = "1"
        return {name: value for name, value in fields.items() if value}


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
