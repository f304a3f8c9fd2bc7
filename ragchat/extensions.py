"""Extension objects, created unbound; `create_app` binds each with `init_app`."""

from flask_cors import CORS
from flask_limiter import Limiter
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase

from ragchat.keys import rate_limit_key
from ragchat.problems import ProblemApi


class Base(DeclarativeBase):
    pass


# Objects stay readable after commit without another SELECT per attribute.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
api = ProblemApi()
# Keyed per API key; create_app sets the limits, the store and the exemptions from config.
limiter = Limiter(key_func=rate_limit_key)
cors = CORS()
