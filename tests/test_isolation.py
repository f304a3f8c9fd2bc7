"""Each test sees an empty database, whatever ran before it (in either order)."""

import pytest


@pytest.mark.parametrize("user_id", ["first", "second"])
def test_each_test_starts_empty(api, make_session, user_id):
    everyone = [
        api.get("/api/sessions", query_string={"user_id": name}).json
        for name in ("first", "second")
    ]
    assert everyone == [[], []]
    make_session(user_id)
    assert len(api.get("/api/sessions", query_string={"user_id": user_id}).json) == 1
