"""The benchmark's own logic, without running it: how targets are judged, which
scenarios run together, nginx's config, and what the harness reads from the system.

`make bench-smoke` (CI) runs the benchmark itself; these pin what it decides.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

from bench import nginx, report
from bench.run import Scenario, steps, worker_rss_mb


def figures(**rps: float | tuple[float, float]) -> dict:
    """Scenarios at concurrency 32 with the given req/s, or (req/s, p99 ms)."""
    out = {}
    for key, value in rps.items():
        rate, p99 = value if isinstance(value, tuple) else (value, 10.0)
        out[key] = {
            "title": key,
            "results": {
                32: {
                    "rps": rate,
                    "p50_ms": 1.0,
                    "p99_ms": p99,
                    "requests": 1_000,
                    "status_errors": 0,
                    "socket_errors": 0,
                }
            },
        }
    return out


def judged(scenarios: dict, synchronous: dict | None = None, memory: dict | None = None):
    rows = report.targets(
        scenarios,
        checks={"sqlite": {"lost": 0, "ids_checked": 10, "relief_errors": 0}},
        memory=memory or {"relief": [90.0, 95.0], "hello": [30.0]},
        synchronous=synchronous or {"post": "FULL", "post_normal": "NORMAL"},
        top_c=32,
        stored=100_000,
        postgresql=False,
    )
    return {row["target"]: row for row in rows}


def test_targets_are_judged_on_ratios_and_latencies_of_the_same_run():
    rows = judged(
        figures(
            article=(3000, 40.0),
            hello=5000,
            nginx_cache=9000,
            nginx_static=10000,
            post=500,
            post_normal=550,
            isso_post=400,
            moderation=(300, 140.0),
        )
    )
    assert rows["a. article page GET vs f. Flask hello-world"]["met"] is True  # 60 %
    assert rows["a. article page GET p99 at c=32"]["met"] is True
    assert rows["g. page through nginx microcache vs h. nginx static file"]["met"] is True
    assert rows["d. comment POST vs k. Isso POST"]["met"] is False  # 1.25 x, not 2 x
    assert rows["d. comment POST rate (the goal to report against)"]["met"] is False
    assert (
        "500/s with FULL, 550/s with NORMAL, costs 9%"
        in rows["d. vs d2.: what synchronous=FULL costs in POSTs a second"]["figure"]
    )
    assert rows["d. vs d2.: what synchronous=FULL costs in POSTs a second"]["met"] is True
    queue = rows["e. moderation queue, 100,000 stored, p99 at c=32 (SQLite)"]
    assert queue["met"] is False
    assert queue["figure"] == "140.0 ms"
    assert rows["Relief worker resident size after the run (largest)"]["figure"] == "95 MB"


def test_full_costing_more_than_a_fifth_is_missed():
    rows = judged(figures(post=300, post_normal=400))
    assert rows["d. vs d2.: what synchronous=FULL costs in POSTs a second"]["met"] is False


def test_durability_is_not_judged_when_the_app_ignored_the_setting():
    row = judged(
        figures(post=300, post_normal=400),
        synchronous={"post": "NORMAL", "post_normal": "NORMAL"},
    )["d. vs d2.: what synchronous=FULL costs in POSTs a second"]
    assert row["met"] is None
    assert "synchronous=NORMAL and NORMAL" in row["figure"]


def test_a_missing_peer_leaves_its_targets_unjudged_not_met():
    rows = judged(figures(article=3000, post=500))
    assert rows["a. article page GET vs f. Flask hello-world"]["met"] is None
    assert rows["d. comment POST vs k. Isso POST"]["met"] is None
    assert rows["e. moderation queue, 100,000 stored, p99 at c=32 (SQLite)"]["met"] is None
    postgresql = rows["e. moderation queue, 100,000 stored, p99 at c=32 (PostgreSQL)"]
    assert postgresql["figure"] == "not run (BENCH_DATABASE_URL unset)"


def test_a_lost_comment_or_an_error_fails_its_check_and_the_table_says_so():
    rows = report.targets(
        figures(),
        checks={"sqlite": {"lost": 1, "ids_checked": 10, "relief_errors": 0}},
        memory={},
        synchronous={},
        top_c=32,
        stored=1_000,
        postgresql=False,
    )
    check = next(row for row in rows if row["target"].startswith("POSTs acknowledged"))
    assert check["met"] is False
    assert "| MISSED |" in report.targets_table(rows, smoke=False)


def test_row_ratios_say_what_each_row_is_compared_with():
    text = report.table(figures(article=3000, hello=5000, post=500, isso_post=400), "heading")
    assert "| article | 32 | 3,000 | 1.0 | 10.0 | 60% of f. hello-world | 0 |" in text
    assert "1.25 x k. Isso POST" in text


def test_paired_scenarios_alternate_and_the_rest_run_alone():
    keys = ["article", "post", "post_normal", "hello", "nginx_cache", "nginx_static"]
    order = [tuple(s.key for s in step) for step in steps([Scenario(k, k, "s", "/") for k in keys])]
    assert order == [
        ("article",),
        ("post", "post_normal"),
        ("hello",),
        ("nginx_cache", "nginx_static"),
    ]


def test_a_scenario_whose_partner_is_missing_runs_alone():
    order = steps([Scenario("post", "d", "s", "/")])
    assert [tuple(s.key for s in step) for step in order] == [("post",)]


def test_nginx_template_leaves_no_placeholder_and_refuses_a_missing_one():
    text = nginx.render(
        nginx.TEMPLATE.read_text(), dir="/srv/bench", relief_port=1, proxy_port=2, static_port=3
    )
    assert not re.search(r"@[A-Z_]+@", text)
    assert "proxy_cache_bypass $http_cookie;" in text
    assert "listen 127.0.0.1:2;" in text
    with pytest.raises(ValueError, match="@STATIC_PORT@"):
        nginx.render(nginx.TEMPLATE.read_text(), dir="/srv/bench", relief_port=1, proxy_port=2)


def test_nginx_accepts_the_benchmark_config(tmp_path):
    binary = shutil.which("nginx", path=nginx.SEARCH_PATH)
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("nginx is not installed (apt-get install nginx)")
        pytest.skip("nginx is not installed")
    server = nginx.Nginx.prepare(binary, tmp_path / "nginx", 8001, 8002, 8003)
    # As ourselves: pytest's folder is private, and the syntax is the same for anyone.
    out = subprocess.run([*server.command[:-2], "-t"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "syntax is ok" in out.stderr


def test_cache_answers_are_counted_from_the_access_log(tmp_path):
    server = nginx.Nginx(binary="", folder=tmp_path, proxy_port=1, static_port=2, user=None)
    (tmp_path / "access.log").write_text(
        '127.0.0.1 [30/Nov/2026:07:00:00 +0000] "GET /page/ HTTP/1.1" 200 100 cache=MISS\n'
        '127.0.0.1 [30/Nov/2026:07:00:00 +0000] "GET /page/ HTTP/1.1" 200 100 cache=HIT\n'
        '127.0.0.1 [30/Nov/2026:07:00:00 +0000] "GET /page/ HTTP/1.1" 200 100 cache=HIT\n'
        '127.0.0.1 [30/Nov/2026:07:00:00 +0000] "GET /page/?page=2 HTTP/1.1" 200 1 cache=HIT\n'
        '127.0.0.1 [30/Nov/2026:07:00:00 +0000] "GET /page.html HTTP/1.1" 200 100 cache=-\n'
    )
    assert server.cache_answers("/page/") == {"MISS": 1, "HIT": 2}


def test_worker_memory_is_read_for_each_child_process():
    script = "import time; print('ready', flush=True); time.sleep(30)"
    children = [
        subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    try:
        for child in children:
            assert child.stdout.readline() == "ready\n"  # a running Python, not a fork
        sizes = worker_rss_mb(os.getpid())
    finally:
        for child in children:
            child.kill()
            child.wait()
            child.stdout.close()
    assert len(sizes) >= 2
    assert all(0 < size < 1_000 for size in sizes)


@pytest.mark.parametrize(
    ("finished", "timed_out", "figure"),
    [
        (1_000, 320, "> 5,000 ms (320 requests timed out)"),
        (0, 0, "none finished within the round"),
    ],
)
def test_a_page_whose_requests_time_out_misses_its_latency_target(finished, timed_out, figure):
    """wrk leaves timed-out and unfinished requests out of its percentiles: a queue that
    did not answer within 5 s must not pass on the p99 of the few that did, or of none."""
    scenarios = figures(moderation=(finished / 2, 40.0))
    scenarios["moderation"]["results"][32].update(requests=finished, socket_errors=timed_out)
    row = judged(scenarios)["e. moderation queue, 100,000 stored, p99 at c=32 (SQLite)"]
    assert row["met"] is False
    assert row["figure"] == figure


def test_timeouts_are_shown_beside_the_errors():
    scenarios = figures(moderation=100)
    scenarios["moderation"]["results"][32]["socket_errors"] = 320
    assert "| 0 (320) |" in report.table(scenarios, "heading")
