"""The review UI's pages: the chat list, the users, one chat as a conversation with the
passages behind each answer, search across all chats, downloads, and the forms that rename,
favorite and delete a chat."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from ragchat import search
from ragchat.chats import exports, messages, sessions
from ragchat.chats.context import read_context, read_tool_calls
from ragchat.exceptions import InvalidInput
from ragchat.rules import MAX_PAGE, MAX_SEQ, user_id_problem
from ragchat.transactions import one_transaction
from ragchat.web.auth import current_tenant, no_store, safe_next, scope_required
from ragchat.web.filters import FilterForm
from ragchat.web.forms import ConfirmForm, FavoriteForm, RenameForm, SearchForm

bp = Blueprint("web", __name__)
bp.after_request(no_store)

CHATS_PER_PAGE = 20
USERS_PER_PAGE = 50
MESSAGES_PER_PAGE = 50
HITS_PER_PAGE = 20


def page_number():
    """The `page` argument: a whole number from 1; anything else means the first page."""
    return min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)


def past_the_end(page):
    """Past the last page (after deletions, say) goes to the last one."""
    if page.page <= page.last_page:
        return None
    arguments = {**request.view_args, **request.args.to_dict(), "page": page.last_page}
    return redirect(url_for(request.endpoint, **arguments))


@bp.get("/")
@scope_required("read")
def index():
    """The tenant's chats, most recently active first, narrowed by the filters (those of
    the insights page's links too)."""
    form = FilterForm.from_query(request.args)
    if not form.validate():
        return render_template("sessions/list.html", form=form, chats=None), 422
    if "" in request.args.values():  # the form sends its empty fields too: not in links
        return redirect(url_for("web.index", **form.arguments()))
    page = sessions.list_sessions(
        current_tenant(),
        form.user_id.data or None,
        page=page_number(),
        size=CHATS_PER_PAGE,
        **form.session_filters(),
    )
    return past_the_end(page) or render_template(
        "sessions/list.html", form=form, chats=page, filters=form.arguments()
    )


@bp.get("/users")
@scope_required("read")
def users():
    """The tenant's end users, with how many chats each has had and when last."""
    page = sessions.list_users(current_tenant(), page=page_number(), size=USERS_PER_PAGE)
    return past_the_end(page) or render_template("users/list.html", users=page)


@bp.get("/sessions/<uuid:session_id>")
@scope_required("read")
def chat(session_id):
    """One chat as a conversation, with the passages retrieved for each answer; `?at=seq`
    opens the page holding that message (as search results link to it)."""
    at = request.args.get("at", type=int)
    if at is not None and 1 <= at <= MAX_SEQ:
        sessions.get_session(current_tenant(), session_id)
        page = messages.page_of(current_tenant(), session_id, at, MESSAGES_PER_PAGE)
        anchor = f"message-{at}"
        return redirect(url_for("web.chat", session_id=session_id, page=page, _anchor=anchor))
    return show_chat(session_id, RenameForm())


@bp.get("/sessions/<uuid:session_id>/export")
@scope_required("read")
def export_chat(session_id):
    """Download one chat with all its messages: ?format=json (default) or markdown."""
    format_ = request.args.get("format", "json")
    if format_ not in exports.SESSION_FORMATS:
        abort(400)
    return exports.respond(exports.session_download(current_tenant(), session_id, format_))


@bp.get("/users/export")
@scope_required("read")
def export_user():
    """Download all of one user's chats (?user_id=…) as NDJSON, one chat a line."""
    user_id = request.args.get("user_id", "")
    if user_id_problem(user_id):
        abort(400)
    return exports.respond(exports.chats_download(current_tenant(), user_id))


def show_chat(session_id, rename_form, status=200):
    chat = sessions.get_session(current_tenant(), session_id)
    page = messages.list_messages(
        current_tenant(), session_id, page=page_number(), size=MESSAGES_PER_PAGE
    )
    if (moved := past_the_end(page)) is not None:
        return moved
    if rename_form.title.data is None:
        rename_form.title.data = chat.title
    shown = [
        (message, read_context(message.context), read_tool_calls(message.extra))
        for message in page.items
    ]
    html = render_template(
        "sessions/chat.html", chat=chat, page=page, messages=shown, rename_form=rename_form
    )
    return html, status


def changes_chats(view):
    """A form that changes chats: a key with `write`, and one transaction for its writes."""
    return scope_required("write")(one_transaction(view))


@bp.post("/sessions/<uuid:session_id>/rename")
@changes_chats
def rename(session_id):
    """Rename a chat; an invalid title is shown on the form and changes nothing."""
    form = RenameForm()
    if form.validate():
        sessions.update_session(current_tenant(), session_id, {"title": form.title.data})
        flash("Renamed.")
        return redirect(url_for("web.chat", session_id=session_id))
    return show_chat(session_id, form, status=422)


@bp.post("/sessions/<uuid:session_id>/favorite")
@changes_chats
def favorite(session_id):
    """Add a chat to the favorites or take it off, then go back to where the button was."""
    form = FavoriteForm()
    if not form.validate():
        abort(400)
    wanted = form.favorite.data == "1"
    sessions.update_session(current_tenant(), session_id, {"is_favorite": wanted})
    flash("Added to favorites." if wanted else "Removed from favorites.")
    back = url_for("web.chat", session_id=session_id)
    return redirect(safe_next(form.next.data, back))


@bp.get("/sessions/<uuid:session_id>/delete")
@scope_required("write")
def confirm_delete(session_id):
    """Ask before deleting a chat."""
    chat = sessions.get_session(current_tenant(), session_id)
    return render_template("sessions/delete.html", chat=chat, form=ConfirmForm())


@bp.post("/sessions/<uuid:session_id>/delete")
@changes_chats
def delete(session_id):
    """Delete a chat with all its messages."""
    title = sessions.get_session(current_tenant(), session_id).title
    sessions.delete_session(current_tenant(), session_id)
    flash(f"Deleted “{title}”.")
    return redirect(url_for("web.index"))


@bp.get("/search")
@scope_required("read")
def search_chats():
    """Messages and chat titles matching the words, best first, a page at a time."""
    form = SearchForm(request.args)
    hits = cursor = None
    if form.validate():
        try:
            hits, cursor = search.search(
                current_tenant(),
                form.q.data,
                cursor=request.args.get("cursor"),
                limit=HITS_PER_PAGE,
            )
        except InvalidInput as problem:
            if problem.field != "q":
                abort(400)  # a cursor that was tampered with
            form.q.errors.append(str(problem))
    status = 200 if hits is not None or "q" not in request.args else 422
    return render_template("search/results.html", form=form, hits=hits, cursor=cursor), status
