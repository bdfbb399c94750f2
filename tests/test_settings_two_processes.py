"""A settings change made through one server process applies at once in another.

Two real gunicorn servers (2 workers each) share one database, as workers of one site
do: an admin saves on the first, commenters post to the second.  Bounded: a handful
of requests to 127.0.0.1.
"""

from __future__ import annotations

import re
from html import unescape

import requests
from bs4 import BeautifulSoup

from tests.conftest import MODERATOR_PASSWORD
from tests.test_server_durability import (  # noqa: F401 (a fixture)
    ARTICLE,
    Commenter,
    Server,
    shared_database_url,
)


class Admin:
    """A logged-in admin's browser on one server."""

    def __init__(self, url: str):
        self.url = url
        self.session = requests.Session()
        page = self.session.get(url + "/auth/login", timeout=10).text
        response = self.session.post(
            url + "/auth/login",
            data={
                "email": "admin@example.com",
                "password": MODERATOR_PASSWORD,
                "csrf_token": self.token_in(page),
            },
            allow_redirects=False,
            timeout=30,
        )
        assert response.status_code == 303, response.text

    @staticmethod
    def token_in(page: str) -> str:
        return re.search(r'name="csrf_token" value="([^"]+)"', page)[1]

    def save_settings(self, **changes: str) -> str:
        """Send the settings form as the page shows it, with ``changes``; return the
        page it leads to."""
        soup = BeautifulSoup(
            self.session.get(self.url + "/moderation/settings").text, "html.parser"
        )
        form = soup.select_one("form.settings-form")
        data = {i["name"]: i.get("value", "") for i in form.select("input[name]")}
        data.update({t["name"]: t.get_text().lstrip("\n") for t in form.select("textarea")})
        for select in form.select("select"):
            data[select["name"]] = select.select_one("option[selected]")["value"]
        data.update(changes)
        response = self.session.post(self.url + "/moderation/settings", data=data, timeout=30)
        assert response.status_code == 200 and response.url.endswith("/moderation/settings")
        return unescape(response.text)

    def page(self, path: str) -> str:
        return unescape(self.session.get(self.url + path, timeout=10).text)


def test_a_new_moderation_word_holds_the_next_comment_in_the_other_process(
    tmp_path,
    shared_database_url,  # noqa: F811
):
    first = Server(tmp_path, shared_database_url, "first")
    second = Server(tmp_path, shared_database_url, "second")
    second.env["SECRET_KEY"] = first.env["SECRET_KEY"]
    second.env["EMAIL_ENCRYPTION_KEYS"] = first.env["EMAIL_ENCRYPTION_KEYS"]
    for server in (first, second):
        server.env["COMMENTS_MIN_SECONDS"] = "0"  # these commenters type instantly
    first.setup()
    first.flask(
        "moderators",
        "add",
        "admin@example.com",
        "--password-stdin",
        stdin=MODERATOR_PASSWORD + "\n",
    )
    first.start()
    second.start()
    try:
        admin = Admin(first.url)
        saved = admin.save_settings(comments_moderation="none")
        assert "Which new comments wait for a moderator: first → none." in saved
        # The second process publishes at once, and "cure" is no word to hold yet: its
        # workers have now read the settings (and keep a copy).
        for n in range(4):  # reach both of its workers
            sent = Commenter(second.url).post(f"Is there a cure? ({n})", f"a{n}@example.com")
            assert sent.status_code == 303
        assert requests.get(second.url + ARTICLE, timeout=10).text.count("Is there a cure?") == 4

        saved = admin.save_settings(comments_moderation_words="cure\nmiracle")
        assert 'Moderation words: added "cure", "miracle".' in saved
        for n in range(4):
            response = Commenter(second.url).post(f"A real Cure! number {n}", f"b{n}@example.com")
            assert response.status_code == 303
        public = requests.get(second.url + ARTICLE, timeout=10).text
        assert "A real Cure!" not in public

        # Every one of them waits, with the word named; the log names the change.
        queue = admin.page("/moderation/?status=pending")
        assert queue.count('moderation word: "cure"') == 4
        log = admin.page("/moderation/log")
        assert 'Moderation words: added "cure", "miracle"' in log
        assert "Which new comments wait for a moderator: first → none" in log
    finally:
        first.stop()
        second.stop()
    for server in (first, second):
        server.stop_and_check()
