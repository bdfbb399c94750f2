"""`make bench`'s import scenario: 100,000 comments from a WordPress export (issue 14).

Writes a WXR 1.2 file shaped like what WordPress's Tools > Export writes (the shape of
tests/fixtures/transfer/wordpress.xml): CDATA fields, HTML and entities in the comments,
commentmeta on many (Akismet's, the trash's), a few pingbacks, trackbacks, spam, trashed
and pending comments, about 30,000 distinct commenters with their IPs, threads nested up
to five deep with replies often listed before their parents, and an unrelated post.
The comments are spread over the real article and its remedy pages: each post's
``post_name`` is a page's slug, read from a database where ``flask content load`` ran.
The file is written as it is generated, one block of comments at a time.

Then, in a fresh instance (a SQLite file in a temporary folder; and a scratch
PostgreSQL database when BENCH_DATABASE_URL names a server), it runs
``flask comments import-wxr FILE`` as its own process and measures that process alone:
wall time, and peak resident memory from its own rusage (``os.wait4``).  It checks what
was written (the comments in the database are the ones the report counts and the ones
the file holds; every reply has its parent and its thread's top-level comment on the
same page) and imports the file a second time, which must add nothing.

Targets (issue 14), at 100,000 comments on the project's 2-core machine: under 60 s and
under 200 MB.  They are reported, not asserted: a missed target is shown as such, while
a wrong result (a count that differs, an unlinked reply, a second import that adds
anything, a command that fails) is a failure of the benchmark.

    python bench/import_wxr.py                 # 100,000 comments (BENCH_SMOKE=1: 2,000)
    BENCH_IMPORT_COMMENTS=20000 python bench/import_wxr.py
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

from sqlalchemy.exc import SQLAlchemyError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `python bench/import_wxr.py`

from bench.run import (
    BIN,
    ROOT,
    SMOKE,
    app_python,
    free_port,
    prepare_database,
    relief_env,
    say,
    scratch_postgres,
)

COMMENTS = int(os.environ.get("BENCH_IMPORT_COMMENTS") or (2_000 if SMOKE else 100_000))
TARGET_SECONDS = 60
TARGET_MB = 200
TARGET_AT = 100_000  # the targets are stated for this many comments
TIME_LIMIT = 1_800  # an import still running after this long is stopped and failed
SOURCE = "https://backcare-blog.example"
BLOCK = 500  # comments generated (and shuffled) together; threads never cross blocks
MAX_DEPTH = 5
START = datetime(2012, 5, 1, tzinfo=UTC)
SPAN = timedelta(days=13 * 365)

FIRST = (
    "Ann Bea Carl Dana Eve Femi Gus Hana Ivo Jo Kai Lena Maya Nils Olu Priya Quinn Rosa "
    "Sam Tariq Uma Vic Wen Xavi Yusuf Zoë José Siobhán Bjørn Chloé Marek Aoife Raj Mei"
).split()
LAST = (
    "Smith Jones Patel Nguyen Garcia Müller Rossi Kowalski O'Brien Okafor Haddad Larsen "
    "Silva Kim Novak Dubois Ahmed Brown Wilson Taylor Evans Khan Murphy Costa Schmidt"
).split()
DOMAINS = (
    "gmail.com googlemail.com yahoo.co.uk hotmail.com outlook.com icloud.com aol.com "
    "btinternet.com web.de orange.fr proton.me example.org"
).split()
SENTENCES = (
    "My back went into spasm while I was lifting the shopping out of the car.",
    "Heat helped me more than ice, especially a hot water bottle wrapped in a towel.",
    "I tried the knee-to-chest stretch every morning and it eased within a week.",
    "Does anyone know how long a spasm like this usually lasts?",
    "The pharmacist suggested ibuprofen gel, which took the edge off.",
    "Walking a little every hour was the best advice I got from my GP.",
    "I found that sleeping with a pillow between my knees made a real difference.",
    "Is it normal for the pain to move from one side to the other?",
    "Massage helped, but only once the worst of the spasm had passed.",
    "I sit at a desk all day and raising my screen helped a lot.",
    "Thank you for writing this, it was clear and reassuring.",
    "I drink far more water now and the cramps come less often.",
    "My physio says gentle movement beats bed rest every time.",
    "How soon can I go back to the gym after a spasm?",
    "Cold packs for the first two days, then heat: that worked for me.",
    "It\u2019s been three weeks and it still catches me when I bend down.",
    "The cat-cow stretch is my favourite, slow and easy.",
    "Should I see a doctor if it keeps coming back every few months?",
    "I had numbness in my leg as well, so I called 111 and they saw me the same day.",
    "Paracetamol alone didn't do much for me, but together with heat it helped.",
)
QUESTIONS = (
    "I have numbness around my bottom since this morning, is that normal?",
    "Since yesterday I can't control my bladder properly, should I wait?",
    "Both legs feel weak and tingly, what should I do?",
)
LINKS = (
    ("https://www.nhs.uk/conditions/back-pain/", "the NHS page"),
    ("https://www.nice.org.uk/guidance/ng59", "NICE guidance"),
    ("https://physio-notes.example/stretches/", "these stretches"),
    ("https://www.nhs.uk/conditions/sciatica/", "https://www.nhs.uk/conditions/sciatica/"),
)
AKISMET = (
    '<![CDATA[a:4:{s:4:"time";d:{when};s:5:"event";s:10:"check-ham";s:4:"user";'
    's:0:"";s:4:"meta";a:1:{s:8:"response";s:5:"false";}}]]>'
)


def cdata(value: str) -> str:
    """``value`` as CDATA, as WordPress writes it (a "]]>" inside is split in two)."""
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


@dataclass(frozen=True)
class Page:
    """A Relief page, as the WordPress post or page that stands for it."""

    slug: str
    title: str
    path: str
    remedy: bool


@dataclass
class Expected:
    """What the generated file holds, to check the import against."""

    comments: int = 0  # <wp:comment> elements, whatever their kind or page
    importable: int = 0  # comments on the real pages that the importer takes
    replies: int = 0  # of those, the ones with a parent in the file
    replies_first: int = 0  # of those, the ones listed before their parent
    skipped: Counter = field(default_factory=Counter)  # pingbacks, trackbacks
    unmatched: int = 0  # comments on a post that matches no page
    statuses: Counter = field(default_factory=Counter)
    commenters: set[int] = field(default_factory=set)
    deepest: int = 0

    def as_dict(self) -> dict:
        return {
            "comments": self.comments,
            "importable": self.importable,
            "replies": self.replies,
            "replies_listed_before_parent": self.replies_first,
            "skipped": dict(self.skipped),
            "unmatched": self.unmatched,
            "statuses": dict(self.statuses),
            "distinct_commenters": len(self.commenters),
            "thread_levels": self.deepest + 1,  # a top-level comment is level 1
        }


class Writer:
    """Writes a WXR file comment by comment; knows nothing of Relief."""

    def __init__(self, out, rng: random.Random, total: int) -> None:
        self.out = out
        self.rng = rng
        self.total = total
        self.people = max(50, total * 7 // 20)
        self.next_comment = 1000
        self.expected = Expected()

    # The file's frame -------------------------------------------------------------

    def head(self) -> None:
        self.out.write(
            '<?xml version="1.0" encoding="UTF-8" ?>\n'
            "<!-- This is a WordPress eXtended RSS file generated by WordPress as an export "
            "of your site. -->\n"
            '<!-- generator="WordPress/6.4.2" created="2024-01-15 10:20" -->\n'
            '<rss version="2.0"\n'
            '\txmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"\n'
            '\txmlns:content="http://purl.org/rss/1.0/modules/content/"\n'
            '\txmlns:wfw="http://wellformedweb.org/CommentAPI/"\n'
            '\txmlns:dc="http://purl.org/dc/elements/1.1/"\n'
            '\txmlns:wp="http://wordpress.org/export/1.2/"\n>\n\n<channel>\n'
            "\t<title>Back Care Blog</title>\n"
            f"\t<link>{SOURCE}</link>\n"
            "\t<description>Living with a bad back</description>\n"
            "\t<pubDate>Mon, 15 Jan 2024 10:20:31 +0000</pubDate>\n"
            "\t<language>en-GB</language>\n"
            "\t<wp:wxr_version>1.2</wp:wxr_version>\n"
            f"\t<wp:base_site_url>{SOURCE}</wp:base_site_url>\n"
            f"\t<wp:base_blog_url>{SOURCE}</wp:base_blog_url>\n"
            "\t<wp:author><wp:author_id>1</wp:author_id><wp:author_login>"
            f"{cdata('admin')}</wp:author_login><wp:author_email>"
            f"{cdata('admin@backcare-blog.example')}</wp:author_email>"
            f"<wp:author_display_name>{cdata('Back Care team')}</wp:author_display_name>"
            "</wp:author>\n"
            "\t<generator>https://wordpress.org/?v=6.4.2</generator>\n"
        )

    def tail(self) -> None:
        self.out.write("</channel>\n</rss>\n")

    def open_item(
        self, post_id: int, name: str, title: str, link: str, kind: str, parent: int
    ) -> None:
        body = "".join(f"<p>{escape(s)}</p>\n" for s in SENTENCES[:8])
        self.out.write(
            f"\t<item>\n\t\t<title>{cdata(title)}</title>\n\t\t<link>{escape(link)}</link>\n"
            "\t\t<pubDate>Mon, 04 Mar 2019 09:00:00 +0000</pubDate>\n"
            f"\t\t<dc:creator>{cdata('admin')}</dc:creator>\n"
            f'\t\t<guid isPermaLink="false">{SOURCE}/?p={post_id}</guid>\n'
            "\t\t<description></description>\n"
            f"\t\t<content:encoded>{cdata(body)}</content:encoded>\n"
            f"\t\t<excerpt:encoded>{cdata('')}</excerpt:encoded>\n"
            f"\t\t<wp:post_id>{post_id}</wp:post_id>\n"
            f"\t\t<wp:post_date>{cdata('2019-03-04 09:00:00')}</wp:post_date>\n"
            f"\t\t<wp:post_date_gmt>{cdata('2019-03-04 09:00:00')}</wp:post_date_gmt>\n"
            f"\t\t<wp:comment_status>{cdata('open')}</wp:comment_status>\n"
            f"\t\t<wp:ping_status>{cdata('open')}</wp:ping_status>\n"
            f"\t\t<wp:post_name>{cdata(name)}</wp:post_name>\n"
            f"\t\t<wp:status>{cdata('publish')}</wp:status>\n"
            f"\t\t<wp:post_parent>{parent}</wp:post_parent>\n"
            "\t\t<wp:menu_order>0</wp:menu_order>\n"
            f"\t\t<wp:post_type>{cdata(kind)}</wp:post_type>\n"
            f"\t\t<wp:post_password>{cdata('')}</wp:post_password>\n"
            "\t\t<wp:is_sticky>0</wp:is_sticky>\n"
            "\t\t<wp:postmeta>\n"
            f"\t\t<wp:meta_key>{cdata('_edit_last')}</wp:meta_key>\n"
            f"\t\t<wp:meta_value>{cdata('1')}</wp:meta_value>\n"
            "\t\t</wp:postmeta>\n"
        )

    def close_item(self) -> None:
        self.out.write("\t</item>\n")

    # Comments ---------------------------------------------------------------------

    def comments(self, count: int, counted: bool) -> None:
        """Write ``count`` comments of the open item, a block of threads at a time.

        ``counted``: whether the post matches a page (its comments are expected in).
        """
        while count > 0:
            size = min(BLOCK, count)
            self._block(size, counted)
            count -= size

    def _block(self, size: int, counted: bool) -> None:
        rng = self.rng
        block: list[tuple[int, int | None, int, str, str]] = []  # id, parent, depth, kind, status
        repliable: list[int] = []  # places in ``block`` of comments that may get replies
        for _ in range(size):
            comment_id = self.next_comment
            self.next_comment += 1
            parent, depth = None, 0
            if repliable and rng.random() < 0.55:
                # Mostly answer recent comments, as a busy thread does.
                back = min(len(repliable) - 1, int(rng.expovariate(0.15)))
                parent_id, _, parent_depth, _, _ = block[repliable[-1 - back]]
                if parent_depth < MAX_DEPTH - 1:
                    parent, depth = parent_id, parent_depth + 1
            kind, status = self._kind_and_status(top_level=parent is None)
            if kind == "comment" and status in ("1", "0"):
                repliable.append(len(block))
            block.append((comment_id, parent, depth, kind, status))
            self._count(kind, status, parent, depth, counted)
        # WordPress lists a post's comments in no promised order (imports, merges and
        # edits shuffle them): here about half the replies come before their parents.
        rng.shuffle(block)
        listed: set[int] = set()
        for comment_id, parent, _depth, kind, status in block:
            if counted and parent is not None and parent not in listed:
                self.expected.replies_first += 1
            listed.add(comment_id)
            self._comment(comment_id, parent, kind, status)

    def _kind_and_status(self, top_level: bool) -> tuple[str, str]:
        """A comment's type and WordPress status: pingbacks and spam are never replies."""
        roll = self.rng.random()
        if top_level and roll < 0.012:
            return "pingback", "1"
        if top_level and roll < 0.016:
            return "trackback", "1"
        if top_level and roll < 0.05:
            return "comment", "spam"
        if roll < 0.07:
            return "comment", "trash"
        if roll < 0.11:
            return "comment", "0"
        return "comment", "1"

    def _count(self, kind: str, status: str, parent: int | None, depth: int, counted: bool):
        expected = self.expected
        expected.comments += 1
        if not counted:
            expected.unmatched += 1
        elif kind != "comment":
            expected.skipped[kind] += 1
        else:
            expected.importable += 1
            expected.replies += parent is not None
            expected.statuses[status] += 1
            expected.deepest = max(expected.deepest, depth)

    def _person(self) -> int:
        # A quarter of the comments come from two hundred regulars.
        if self.rng.random() < 0.25:
            return self.rng.randrange(200)
        return self.rng.randrange(self.people)

    def _comment(self, comment_id: int, parent: int | None, kind: str, status: str) -> None:
        rng = self.rng
        when = START + SPAN * (comment_id - 1000) / max(1, self.total)
        when += timedelta(seconds=rng.randrange(3600))
        if kind != "comment":
            name = "Physio Notes &raquo; Five stretches for a stiff back"
            email, url, ip = "", f"https://physio-notes.example/{comment_id}/", "192.0.2.88"
            html = "[&#8230;] as this guide explains, heat helps [&#8230;]"
        else:
            person = self._person()
            self.expected.commenters.add(person)
            name, email, url, ip = self._identity(person)
            html = self._text(pending=status == "0")
        meta = ""
        if status == "trash":
            meta += self._meta("_wp_trash_meta_status", "1" if rng.random() < 0.7 else "0")
            meta += self._meta("_wp_trash_meta_time", str(int(when.timestamp()) + 86400))
        if rng.random() < 0.4:
            meta += self._meta("akismet_result", "false")
            meta += (
                "\t\t\t<wp:commentmeta>\n"
                f"\t\t\t<wp:meta_key>{cdata('akismet_history')}</wp:meta_key>\n"
                "\t\t\t<wp:meta_value>"
                + AKISMET.replace("{when}", f"{when.timestamp():.4f}")
                + "</wp:meta_value>\n\t\t\t</wp:commentmeta>\n"
            )
        date = f"{when:%Y-%m-%d %H:%M:%S}"
        self.out.write(
            "\t\t<wp:comment>\n"
            f"\t\t\t<wp:comment_id>{comment_id}</wp:comment_id>\n"
            f"\t\t\t<wp:comment_author>{cdata(name)}</wp:comment_author>\n"
            f"\t\t\t<wp:comment_author_email>{cdata(email)}</wp:comment_author_email>\n"
            f"\t\t\t<wp:comment_author_url>{escape(url)}</wp:comment_author_url>\n"
            f"\t\t\t<wp:comment_author_IP>{cdata(ip)}</wp:comment_author_IP>\n"
            f"\t\t\t<wp:comment_date>{cdata(date)}</wp:comment_date>\n"
            f"\t\t\t<wp:comment_date_gmt>{cdata(date)}</wp:comment_date_gmt>\n"
            f"\t\t\t<wp:comment_content>{cdata(html)}</wp:comment_content>\n"
            f"\t\t\t<wp:comment_approved>{cdata(status)}</wp:comment_approved>\n"
            f"\t\t\t<wp:comment_type>{cdata(kind)}</wp:comment_type>\n"
            f"\t\t\t<wp:comment_parent>{parent or 0}</wp:comment_parent>\n"
            "\t\t\t<wp:comment_user_id>0</wp:comment_user_id>\n"
            f"{meta}\t\t</wp:comment>\n"
        )

    @staticmethod
    def _meta(key: str, value: str) -> str:
        return (
            "\t\t\t<wp:commentmeta>\n"
            f"\t\t\t<wp:meta_key>{cdata(key)}</wp:meta_key>\n"
            f"\t\t\t<wp:meta_value>{cdata(value)}</wp:meta_value>\n"
            "\t\t\t</wp:commentmeta>\n"
        )

    @staticmethod
    def _identity(person: int) -> tuple[str, str, str, str]:
        """The name, email, website and IP of commenter number ``person`` (always the same)."""
        first = FIRST[person % len(FIRST)]
        last = LAST[(person // len(FIRST)) % len(LAST)]
        local_part = re.sub(r"[^a-z]", "", f"{first}.{last}".lower()) + str(person)
        if person % 9 == 0:
            local_part = local_part.capitalize()  # some people type their address so
        domain = DOMAINS[person % len(DOMAINS)]
        email = f"{local_part}@{domain}"
        if person % 50 == 7:
            email = ""  # an old comment from before emails were required
        elif person % 97 == 3:
            email = f"{first.lower()} at {domain}"  # not an address
        url = ""
        if person % 6 == 0:
            url = f"https://{last.lower().replace(chr(39), '')}{person}.example.net/"
        if person % 10 == 0:
            ip = f"2001:db8:{person % 65536:x}:{person // 65536:x}::{person % 251 + 1:x}"
        else:
            octets = (person % 223 + 1, person // 7 % 256, person // 3 % 256, person % 254 + 1)
            ip = ".".join(map(str, octets))
        return f"{first} {last}", email, url, ip

    def _text(self, pending: bool) -> str:
        """A comment as WordPress stores it: typed line breaks, some tags and entities."""
        rng = self.rng
        paragraphs = []
        for _ in range(rng.choice((1, 1, 1, 2, 2, 3, 5))):
            sentences = rng.sample(SENTENCES, rng.randint(1, 4))
            paragraphs.append(" ".join(sentences))
        if pending and rng.random() < 0.3:
            paragraphs.append(rng.choice(QUESTIONS))
        text = "\n\n".join(paragraphs)
        style = rng.random()
        if style < 0.15:
            text = "".join(f"<p>{p.replace(chr(10), '<br />')}</p>" for p in paragraphs)
        elif style < 0.35:
            href, label = rng.choice(LINKS)
            text += f'\n\nSee <a href="{href}" rel="nofollow ugc">{label}</a> &amp; ask a GP.'
        elif style < 0.45:
            text = text.replace("Heat", "<strong>Heat</strong>").replace(" ice", " <em>ice</em>")
        elif style < 0.5:
            text = f"<blockquote>{rng.choice(SENTENCES)}</blockquote>\n{text}"
        if rng.random() < 0.1:
            text = text.replace("'", "&#8217;").replace(" - ", " &ndash; ")
        return text


def generate(path: Path, pages: list[Page], total: int, seed: int = 14) -> Expected:
    """Write a WXR file of ``total`` comments over ``pages`` to ``path``; return what it holds.

    The article's post takes about two fifths of the comments, its remedy pages share
    the rest unevenly, and a post that matches no page ("hello-world") takes a few.
    """
    rng = random.Random(seed)
    extra = min(20, total // 100)
    weights = [8.0 if not page.remedy else rng.uniform(0.6, 2.0) for page in pages]
    shares = [int((total - extra) * w / sum(weights)) for w in weights]
    shares[0] += total - extra - sum(shares)
    with path.open("w", encoding="utf-8", buffering=1 << 20) as out:
        writer = Writer(out, rng, total)
        writer.head()
        article_post = 12
        for number, (page, share) in enumerate(zip(pages, shares, strict=True)):
            post_id = article_post if not page.remedy else 100 + number
            if page.remedy:
                link = f"{SOURCE}/{pages[0].slug}/{page.slug}/"  # a child page's address
                writer.open_item(post_id, page.slug, page.title, link, "page", article_post)
            else:
                link = f"{SOURCE}/2019/03/{page.slug}/"  # a post's dated address
                writer.open_item(post_id, page.slug, page.title, link, "post", 0)
            writer.comments(share, counted=True)
            writer.close_item()
        writer.open_item(1, "hello-world", "Hello world!", f"{SOURCE}/hello-world/", "post", 0)
        writer.comments(extra, counted=False)
        writer.close_item()
        # An attachment, as every export has: no comments, no page.
        out.write(
            f"\t<item>\n\t\t<title>{cdata('spine.jpg')}</title>\n"
            f"\t\t<link>{SOURCE}/spine/</link>\n\t\t<wp:post_id>30</wp:post_id>\n"
            f"\t\t<wp:post_name>{cdata('spine')}</wp:post_name>\n"
            f"\t\t<wp:post_type>{cdata('attachment')}</wp:post_type>\n\t</item>\n"
        )
        writer.tail()
    return writer.expected


# Measuring ---------------------------------------------------------------------------


PAGES_SCRIPT = """
import json
from sqlalchemy import select
from app import create_app
from app.extensions import db
from app.models import Article
from app.shared.pages import page_url
app = create_app()
with app.test_request_context():
    pages = []
    for article in db.session.scalars(select(Article).order_by(Article.id)):
        pages.append((article.slug, article.title, page_url(article.slug, None), False))
        for remedy in article.remedies:
            path = page_url(article.slug, remedy.slug)
            pages.append((remedy.slug, remedy.title, path, True))
    print(json.dumps(pages))
"""

CHECK_SCRIPT = """
import json, sys
from sqlalchemy import text
from app import create_app
from app.extensions import db
app = create_app()
site = sys.stdin.read().strip()
queries = {
    "comments": "SELECT count(*) FROM comments WHERE source_site = :site",
    "replies": "SELECT count(*) FROM comments WHERE source_site = :site "
    "AND parent_id IS NOT NULL",
    "replies_without_thread": "SELECT count(*) FROM comments WHERE source_site = :site "
    "AND parent_id IS NOT NULL AND root_id IS NULL",
    "top_level_with_thread": "SELECT count(*) FROM comments WHERE source_site = :site "
    "AND parent_id IS NULL AND root_id IS NOT NULL",
    "thread_root_not_top_level": "SELECT count(*) FROM comments c JOIN comments r "
    "ON r.id = c.root_id WHERE c.source_site = :site AND r.parent_id IS NOT NULL",
    "parent_on_other_page": "SELECT count(*) FROM comments c JOIN comments p "
    "ON p.id = c.parent_id WHERE c.source_site = :site AND (p.article_id != c.article_id "
    "OR coalesce(p.remedy_id, 0) != coalesce(c.remedy_id, 0))",
    "thread_on_other_page": "SELECT count(*) FROM comments c JOIN comments r "
    "ON r.id = c.root_id WHERE c.source_site = :site AND (r.article_id != c.article_id "
    "OR coalesce(r.remedy_id, 0) != coalesce(c.remedy_id, 0))",
    "pages": "SELECT count(DISTINCT coalesce(remedy_id, 0)) FROM comments "
    "WHERE source_site = :site",
    "distinct_emails": "SELECT count(DISTINCT email_digest) FROM comments "
    "WHERE source_site = :site AND email_digest != ''",
}
with app.app_context():
    found = {k: db.session.scalar(text(q), {"site": site}) for k, q in queries.items()}
    print(json.dumps(found))
"""


class ImportFailed(Exception):
    """The import command could not be run or measured."""


def real_pages(env: dict) -> list[Page]:
    """The pages of the content loaded in ``env``'s database, the article first."""
    pages = [Page(*row) for row in json.loads(app_python(env, PAGES_SCRIPT))]
    if not pages or pages[0].remedy:
        raise ImportFailed("no article in the database after `flask content load`")
    return pages


def timed_import(env: dict, path: Path, log: Path) -> dict:
    """Run ``flask comments import-wxr path`` as its own process; measure that process.

    Wall time runs from the start of the process to its end (interpreter and app start
    included, as a person running the command waits for them).  The peak resident
    memory is that process's own ``ru_maxrss`` from ``wait4``: nothing else is counted.

    :raise ImportFailed: when it exits with an error or runs longer than TIME_LIMIT.
    """
    command = [str(BIN / "flask"), "--app", "app", "comments", "import-wxr", str(path)]
    with log.open("wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
        watchdog = threading.Timer(TIME_LIMIT, process.kill)
        watchdog.start()
        try:
            _pid, status, usage = os.wait4(process.pid, 0)
        finally:
            watchdog.cancel()
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    output = log.read_text(errors="replace")
    if process.returncode:
        raise ImportFailed(
            f"exited with {process.returncode} after {seconds:.0f} s: "
            + " / ".join(output.strip().splitlines()[-3:])
        )
    imported = re.search(r"^Imported (\d+) comment", output, flags=re.MULTILINE)
    already = re.search(r"^Already imported before.*: (\d+)$", output, flags=re.MULTILINE)
    if not imported:
        raise ImportFailed(f"printed no count: {output.strip()[-300:]}")
    return {
        "seconds": round(seconds, 2),
        # ru_maxrss is in KiB on Linux; MB here are 1,000,000 bytes, as in the target.
        "peak_rss_mb": round(usage.ru_maxrss * 1024 / 1e6, 1),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        "imported": int(imported[1]),
        "already": int(already[1]) if already else 0,
        "report": output.strip().splitlines(),
    }


def problems_with(expected: Expected, first: dict, found: dict, again: dict) -> list[str]:
    """What is wrong with an import's result; nothing when it did what it should."""
    problems = []
    if first["imported"] != expected.importable:
        problems.append(
            f"the report says {first['imported']:,} imported, the file has "
            f"{expected.importable:,} importable comments"
        )
    if found["comments"] != first["imported"]:
        problems.append(
            f"{found['comments']:,} comments in the database, the report says {first['imported']:,}"
        )
    if found["replies"] != expected.replies:
        problems.append(f"{found['replies']:,} replies linked, the file has {expected.replies:,}")
    for key in (
        "replies_without_thread",
        "top_level_with_thread",
        "thread_root_not_top_level",
        "parent_on_other_page",
        "thread_on_other_page",
    ):
        if found[key]:
            problems.append(f"{found[key]:,} comments: {key.replace('_', ' ')}")
    if any(line.startswith("Replies whose parent") for line in first["report"]):
        problems.append("the report counts replies without a parent; the file has none")
    if again["imported"] or again["already"] != first["imported"]:
        problems.append(
            f"the second import added {again['imported']:,} and recognised "
            f"{again['already']:,} of {first['imported']:,}"
        )
    return problems


def measure(env: dict, wxr: Path, expected: Expected, work: Path, label: str) -> dict:
    """Import ``wxr`` twice into the fresh database of ``env``; return the figures."""
    prepare_database(env)
    say(f"WXR import ({label}): importing {expected.comments:,} comments")
    first = timed_import(env, wxr, work / f"import-{label}-1.log")
    say(
        f"WXR import ({label}): {first['imported']:,} imported in {first['seconds']:.1f} s, "
        f"peak {first['peak_rss_mb']:.0f} MB"
    )
    found = json.loads(app_python(env, CHECK_SCRIPT, stdin=site()))
    again = timed_import(env, wxr, work / f"import-{label}-2.log")
    say(
        f"WXR import ({label}): again, {again['imported']:,} added in "
        f"{again['seconds']:.1f} s, peak {again['peak_rss_mb']:.0f} MB"
    )
    after = json.loads(app_python(env, CHECK_SCRIPT, stdin=site()))
    problems = problems_with(expected, first, found, again)
    if after["comments"] != found["comments"]:
        problems.append(f"the second import changed the count to {after['comments']:,}")
    return {"first": first, "again": again, "database": found, "problems": problems}


def site() -> str:
    """The generated file's site, as the importer records it."""
    from app.transfer.wxr import site_id

    return site_id(SOURCE)


def run(work: Path) -> dict:
    """The whole scenario in ``work`` (a temporary folder); return its results.

    SQLite always; PostgreSQL too when BENCH_DATABASE_URL names one (a scratch database
    on that server, dropped at the end).  A database whose run fails is reported with
    its reason in ``failures``; the others still run.
    """
    env = relief_env(work, free_port())
    sqlite_env = {**env, "DATABASE_URL": f"sqlite:///{work / 'import.sqlite3'}"}
    results: dict = {
        "comments": COMMENTS,
        "targets": {"seconds": TARGET_SECONDS, "peak_rss_mb": TARGET_MB, "at": TARGET_AT},
        "runs": {},
        "failures": [],
    }
    try:
        prepare_database(sqlite_env)
        pages = real_pages(sqlite_env)
        wxr = work / "export.xml"
        started = time.perf_counter()
        expected = generate(wxr, pages, COMMENTS)
        results["file"] = {
            **expected.as_dict(),
            "pages": [page.path for page in pages],
            "megabytes": round(wxr.stat().st_size / 1e6, 1),
            "generated_in_s": round(time.perf_counter() - started, 1),
        }
        say(f"WXR import: wrote {wxr.name}, {results['file']}")
    except (ImportFailed, SystemExit) as error:  # app_python exits on a failed script
        results["failures"].append(f"WXR import: could not prepare the file: {one_line(error)}")
        return results
    databases = [("sqlite", None)]
    if os.environ.get("BENCH_DATABASE_URL", "").startswith("postgresql"):
        databases.append(("postgresql", os.environ["BENCH_DATABASE_URL"]))
    for label, server in databases:
        try:
            if server is None:
                results["runs"][label] = measure(sqlite_env, wxr, expected, work, label)
            else:
                with scratch_postgres(server, "relief_bench_import") as url:
                    run_env = {**env, "DATABASE_URL": url}
                    results["runs"][label] = measure(run_env, wxr, expected, work, label)
        except (ImportFailed, SystemExit, SQLAlchemyError) as error:
            reason = one_line(error)
            results["runs"][label] = {"error": reason}
            results["failures"].append(f"WXR import ({label}): {reason}")
            continue
        for problem in results["runs"][label]["problems"]:
            results["failures"].append(f"WXR import ({label}): {problem}")
    return results


def one_line(error: BaseException) -> str:
    """An error's message on one line: its first line and, if longer, its last."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()] or [repr(error)]
    return lines[0] if len(lines) == 1 else f"{lines[0]} ... {lines[-1]}"


def verdict(value: float, target: float, comments: int) -> str:
    """Whether a figure meets its target ("met", "MISSED"), when the run was full size."""
    if comments < TARGET_AT:
        return "smoke"
    return "met" if value < target else "MISSED"


def table(results: dict) -> str:
    """The scenario's Markdown table, with the targets beside the figures."""
    comments = results["comments"]
    lines = [
        f"WXR import: `flask comments import-wxr` of {comments:,} comments, its own process "
        f"measured; targets at {TARGET_AT:,}: under {TARGET_SECONDS} s, under {TARGET_MB} MB"
        + (" (SMOKE run: too small to compare with them)." if comments < TARGET_AT else "."),
        "",
        f"| database | imported | time s (< {TARGET_SECONDS}) | CPU s | "
        f"peak RSS MB (< {TARGET_MB}) | again: s, added | checks |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    if not results["runs"]:
        lines.append(f"| - | | | | | | FAILED: {'; '.join(results['failures'])} |")
    for label, run_ in results["runs"].items():
        if "error" in run_:
            lines.append(f"| {label} | | | | | | FAILED: {run_['error']} |")
            continue
        first, again = run_["first"], run_["again"]
        checks = "; ".join(run_["problems"]) or "counts match, threads linked"
        lines.append(
            f"| {label} | {first['imported']:,} | {first['seconds']:.1f} "
            f"({verdict(first['seconds'], TARGET_SECONDS, comments)}) | "
            f"{first['cpu_seconds']:.1f} | {first['peak_rss_mb']:.0f} "
            f"({verdict(first['peak_rss_mb'], TARGET_MB, comments)}) | "
            f"{again['seconds']:.1f}, {again['imported']:,} | {checks} |"
        )
    return "\n".join(lines)


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="relief-bench-import-"))
    results = run(work)
    print()
    print(table(results))
    print(json.dumps({k: v for k, v in results.items() if k != "runs"}, indent=2))
    if results["failures"]:
        print(f"\nFAILED; files kept in {work}:", *results["failures"], sep="\n- ")
        sys.exit(1)
    if not os.environ.get("BENCH_KEEP"):
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
