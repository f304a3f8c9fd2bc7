"""Extension objects, created unbound; `create_app` binds each with `init_app`."""

from flask_cors import CORS
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase

from ragchat.problems import ProblemApi


class Base(DeclarativeBase):
    pass


# Objects stay readable after commit without another SELECT per attribute.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
api = ProblemApi()
limiter = Limiter(key_func=get_remote_address)
cors = CORS()
