"""The `flask` commands: `flask keys …` (API keys) and `flask ragchat …` (export, import,
purge, reindex). `flask db …` comes from Flask-Migrate."""

from ragchat.commands.chats import chats_cli
from ragchat.commands.keys import keys_cli


def register_commands(app):
    app.cli.add_command(keys_cli)
    app.cli.add_command(chats_cli)
