"""The framework's ceiling: a bare Flask app with one endpoint returning a small JSON object.

bench/load.py serves it with gunicorn.conf.py, under the same gunicorn settings as ragchat,
so that each ragchat scenario can be reported as a fraction of what Flask itself manages on
the same machine in the same run.
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    """A small JSON object, like ragchat's health check."""
    return {"status": "ok"}
