"""Debian's nginx for the benchmark, run unprivileged from a temporary folder.

`Nginx.prepare` writes bench/nginx.conf.template, filled in, into a folder of its own
with the page to serve as a static file; `command` is what starts it in the foreground.
Nothing here starts or stops a process: bench/run.py does, as it does for gunicorn.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
STATIC_NAME = "page.html"
# Where Debian puts the binary, which is not on every user's PATH.
SEARCH_PATH = os.pathsep.join((os.environ.get("PATH", ""), "/usr/sbin", "/sbin"))
# The account nginx runs as when the benchmark runs as root: never root itself.
UNPRIVILEGED = "nobody"


class NginxUnavailable(Exception):
    """nginx is not installed (`apt-get install nginx`)."""


def find_nginx() -> str:
    """The path of the nginx binary, such as ``/usr/sbin/nginx``.

    :raise NginxUnavailable: when there is none.
    """
    found = shutil.which("nginx", path=SEARCH_PATH)
    if not found:
        raise NginxUnavailable("nginx is not installed: apt-get install nginx")
    return found


def version(binary: str) -> str:
    """What ``nginx -v`` says, such as ``nginx/1.22.1``."""
    out = subprocess.run([binary, "-v"], capture_output=True, text=True, check=False)
    return (out.stderr or out.stdout).strip().removeprefix("nginx version: ")


def render(template: str, **values: str | int) -> str:
    """``template`` with each ``@NAME@`` replaced by ``values[NAME.lower()]``.

    :raise ValueError: when a placeholder is left without a value.
    """
    for name, value in values.items():
        template = template.replace(f"@{name.upper()}@", str(value))
    left = re.findall(r"@[A-Z_]+@", template)
    if left:
        raise ValueError(f"nginx.conf.template: placeholders without a value: {left}")
    return template


@dataclass
class Nginx:
    """One nginx instance: its folder, ports and the account it runs as (None: ours)."""

    binary: str
    folder: Path
    proxy_port: int
    static_port: int
    user: str | None

    @classmethod
    def prepare(
        cls, binary: str, folder: Path, relief_port: int, proxy_port: int, static_port: int
    ) -> Nginx:
        """Write the config into ``folder`` (made readable by the account nginx runs as)."""
        (folder / "static").mkdir(parents=True)
        config = render(
            TEMPLATE.read_text(),
            dir=folder,
            relief_port=relief_port,
            proxy_port=proxy_port,
            static_port=static_port,
        )
        (folder / "nginx.conf").write_text(config)
        user = UNPRIVILEGED if os.geteuid() == 0 else None
        nginx = cls(binary, folder, proxy_port, static_port, user)
        nginx.hand_over()
        return nginx

    def hand_over(self) -> None:
        """Give the folder to the account nginx runs as (nothing to do when it is ours)."""
        if self.user is None:
            return
        account = pwd.getpwnam(self.user)
        for path in [self.folder, *self.folder.rglob("*")]:
            os.chown(path, account.pw_uid, account.pw_gid)

    def write_static(self, body: bytes) -> int:
        """Write the page's bytes as the static file; return its size."""
        path = self.folder / "static" / STATIC_NAME
        path.write_bytes(body)
        self.hand_over()
        return len(body)

    def cache_answers(self, path: str) -> Counter:
        """How nginx's cache answered each GET of ``path`` so far (HIT, MISS, BYPASS...),
        from its access log: read it once nginx has stopped, which flushes the log."""
        pattern = re.compile(rf'"GET {re.escape(path)} HTTP/[^"]*" \d+ \d+ cache=(\S+)$')
        answers: Counter = Counter()
        log = self.folder / "access.log"
        if log.exists():
            with log.open(errors="replace") as lines:
                for line in lines:
                    found = pattern.search(line.rstrip("\n"))
                    if found:
                        answers[found[1]] += 1
        return answers

    @property
    def command(self) -> list[str]:
        return [
            self.binary,
            "-p",
            str(self.folder),
            "-c",
            str(self.folder / "nginx.conf"),
            "-e",
            str(self.folder / "error.log"),
            "-g",
            "daemon off;",
        ]

    @property
    def group(self) -> int | None:
        return pwd.getpwnam(self.user).pw_gid if self.user else None
