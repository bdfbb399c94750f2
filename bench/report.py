"""The benchmark's Markdown: the scenario table with its ratios, the targets, memory.

Pure functions over the figures bench/run.py gathered: ``scenarios`` maps a scenario's
key (the keys below) to ``{"title": ..., "results": {concurrency: {"rps", "p50_ms",
"p99_ms", "status_errors", ...}}}``, and the microcache's also has ``"cache_hits"`` (the
share of its answers nginx's cache gave).  A figure that was not measured (Isso not
installed, no PostgreSQL) is shown as "n/a", never guessed.

The targets are issue 15's.  Each is judged on the same run's figures; a ratio target
must hold at every concurrency measured (its worst is shown), a latency target at the
highest (32 in the full run).  Missed targets are reported, never failed: only wrong
answers, 4xx or 5xx, and lost comments fail a run (bench/run.py).
"""

from __future__ import annotations

PAGE_SHARE = 0.5  # the app's page GET against the Flask hello-world
PAGE_P99_MS = 50.0
CACHE_SHARE = 0.5  # the page through nginx's microcache against nginx's static file
POST_TIMES_ISSO = 2.0
POST_GOAL = 1_000.0  # comments a second: the goal to report against
FULL_COST = 0.2  # synchronous=FULL stays the default unless it costs more than this
QUEUE_P99_MS = 100.0
WORKER_MB = 150.0
TIMEOUT_MS = 5_000.0  # wrk's --timeout

# The comparison shown on each row: (numerator, denominator, how to say it).  The
# figure is numerator's req/s over denominator's, at the row's concurrency.
ROW_RATIOS = {
    "article": ("article", "hello", "{:.0%} of f. hello-world"),
    "remedy": ("remedy", "hello", "{:.0%} of f. hello-world"),
    "later_page": ("later_page", "hello", "{:.0%} of f. hello-world"),
    "post": ("post", "isso_post", "{:.2f} x k. Isso POST"),
    "post_normal": ("post", "post_normal", "d. (FULL) is {:.0%} of this"),
    "nginx_cache": ("nginx_cache", "nginx_static", "{:.0%} of h. static file"),
    "isso_get50": ("article", "isso_get50", "a. is {:,.1f} x this"),
    "isso_get": ("article", "isso_get", "a. is {:,.1f} x this"),
    "pg_article": ("pg_article", "hello", "{:.0%} of f. hello-world"),
    "pg_post": ("pg_post", "isso_post", "{:.2f} x k. Isso POST"),
}


def rps_ratio(scenarios: dict, top: str, bottom: str, c: int) -> float | None:
    """``top``'s req/s over ``bottom``'s at concurrency ``c``; None if either is missing."""
    a = scenarios.get(top, {}).get("results", {}).get(c)
    b = scenarios.get(bottom, {}).get("results", {}).get(c)
    if not a or not b or not b["rps"]:
        return None
    return a["rps"] / b["rps"]


def row_ratios(scenarios: dict) -> dict[str, dict]:
    """Each row's comparison as numbers, for the results file: ``{row: {"ratio":
    "top / bottom" (req/s of the two scenarios), "by_concurrency": {c: ratio}}}``."""
    out = {}
    for key, (top, bottom, _words) in ROW_RATIOS.items():
        values = _ratios(scenarios, top, bottom)
        if values:
            out[key] = {"ratio": f"{top} / {bottom}", "by_concurrency": values}
    return out


def table(scenarios: dict, heading: str) -> str:
    """The scenario table: one row per scenario and concurrency, with its comparison."""
    lines = [
        heading,
        "",
        "| scenario | conc. | req/s | p50 ms | p99 ms | compared (req/s, same conc.) "
        "| 4xx/5xx (timeouts) |",
        "| --- | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for key, scenario in scenarios.items():
        for c, result in scenario["results"].items():
            compared = ""
            if key in ROW_RATIOS:
                top, bottom, words = ROW_RATIOS[key]
                value = rps_ratio(scenarios, top, bottom, c)
                compared = "n/a" if value is None else words.format(value)
            if scenario.get("cache_hits") is not None:
                compared += f"; {scenario['cache_hits']:.0%} cache hits"
            p50, p99 = f"{result['p50_ms']:.1f}", f"{result['p99_ms']:.1f}"
            if _p99(scenarios, key, c)[0] == TIMEOUT_MS and result["p99_ms"] < TIMEOUT_MS:
                # wrk's percentiles leave the timed-out requests out: not a figure.
                p50 = "n/a" if not result["requests"] or not result["p50_ms"] else p50
                p99 = f"> {TIMEOUT_MS:,.0f}"
            lines.append(
                f"| {scenario['title']} | {c} | {result['rps']:,.0f} | "
                f"{p50} | {p99} | {compared} | "
                f"{result['status_errors']}"
                + (f" ({result['socket_errors']:,})" if result.get("socket_errors") else "")
                + " |"
            )
    return "\n".join(lines)


def _each(values: dict[int, float], spec: str, unit: str = "") -> str:
    """Each concurrency's value: ``c=8: 41%, c=32: 38%``."""
    return ", ".join(f"c={c}: {format(v, spec)}{unit}" for c, v in values.items())


def _ratios(scenarios: dict, top: str, bottom: str) -> dict[int, float]:
    found = {}
    for c in scenarios.get(top, {}).get("results", {}):
        value = rps_ratio(scenarios, top, bottom, c)
        if value is not None:
            found[c] = value
    return found


def _p99(scenarios: dict, key: str, c: int) -> tuple[float | None, str]:
    """The p99 of ``key`` at ``c`` and how to say it.  wrk leaves requests that time out
    (5 s), or are still waiting when the round ends, out of its percentiles: when more
    than 1 % timed out, or none finished, the p99 is over 5 s."""
    result = scenarios.get(key, {}).get("results", {}).get(c)
    if not result:
        return None, "n/a"
    timeouts = result.get("socket_errors", 0)
    if not result["requests"]:
        return TIMEOUT_MS, "none finished within the round"
    if timeouts > 0.01 * (result["requests"] + timeouts):
        return TIMEOUT_MS, f"> {TIMEOUT_MS:,.0f} ms ({timeouts:,} requests timed out)"
    return result["p99_ms"], f"{result['p99_ms']:.1f} ms"


def targets(
    scenarios: dict,
    *,
    checks: dict,
    memory: dict,
    synchronous: dict,
    top_c: int,
    stored: int,
    postgresql: bool,
) -> list[dict]:
    """Each of issue 15's targets with the run's figure and whether it was met.

    ``met`` is True, False, or None when the figure is missing (``figure`` says why).
    ``stored`` is how many comments the moderation queue chose from (the target is set
    at 100,000); ``checks`` holds, per database, the zero-loss check; ``memory`` each
    server's workers' resident MB; ``synchronous`` what each POST server's SQLite
    connections really ran with (``{"post": "FULL", "post_normal": "NORMAL"}``).
    """
    rows = []

    def add(target: str, goal: str, figure: str, met: bool | None) -> None:
        rows.append({"target": target, "goal": goal, "figure": figure, "met": met})

    def ratio_target(
        target: str, top: str, bottom: str, goal: float, spec: str, unit: str = ""
    ) -> None:
        values = _ratios(scenarios, top, bottom)
        wanted = f">= {format(goal, spec)}{unit}"
        if not values:
            add(target, wanted, "n/a (not measured)", None)
            return
        add(target, wanted, _each(values, spec, unit), min(values.values()) >= goal)

    ratio_target(
        "a. article page GET vs f. Flask hello-world", "article", "hello", PAGE_SHARE, ".0%"
    )
    p99, figure = _p99(scenarios, "article", top_c)
    add(
        f"a. article page GET p99 at c={top_c}",
        f"< {PAGE_P99_MS:.0f} ms",
        figure,
        None if p99 is None else p99 < PAGE_P99_MS,
    )
    hits = scenarios.get("nginx_cache", {}).get("cache_hits")
    ratio_target(
        "g. page through nginx microcache vs h. nginx static file"
        + ("" if hits is None else f" ({hits:.0%} cache hits)"),
        "nginx_cache",
        "nginx_static",
        CACHE_SHARE,
        ".0%",
    )
    ratio_target(
        "d. comment POST vs k. Isso POST", "post", "isso_post", POST_TIMES_ISSO, ".1f", " x"
    )
    posts = {c: r["rps"] for c, r in scenarios.get("post", {}).get("results", {}).items()}
    add(
        "d. comment POST rate (the goal to report against)",
        f">= {POST_GOAL:,.0f}/s",
        _each(posts, ",.0f", "/s") if posts else "n/a",
        min(posts.values()) >= POST_GOAL if posts else None,
    )
    for database, check in checks.items():
        add(
            f"POSTs acknowledged and stored, no 4xx or 5xx ({database})",
            "0 lost, 0 4xx/5xx",
            f"{check['lost']} lost of {check['ids_checked']:,}, {check['relief_errors']} 4xx/5xx",
            check["lost"] == 0 and check["relief_errors"] == 0,
        )
    rows.append(_full_cost(scenarios, synchronous))
    for key, label in (("moderation", "SQLite"), ("pg_moderation", "PostgreSQL")):
        p99, figure = _p99(scenarios, key, top_c)
        if key == "pg_moderation" and not postgresql:
            figure = "not run (BENCH_DATABASE_URL unset)"
        add(
            f"e. moderation queue, {stored:,} stored, p99 at c={top_c} ({label})",
            f"< {QUEUE_P99_MS:.0f} ms",
            figure,
            None if p99 is None else p99 < QUEUE_P99_MS,
        )
    relief = {name: mb for name, mb in memory.items() if name.startswith("relief")}
    sizes = [mb for workers in relief.values() for mb in workers]
    add(
        "Relief worker resident size after the run (largest)",
        f"< {WORKER_MB:.0f} MB",
        f"{max(sizes):.0f} MB" if sizes else "n/a",
        max(sizes) < WORKER_MB if sizes else None,
    )
    return rows


def _full_cost(scenarios: dict, synchronous: dict) -> dict:
    """What synchronous=FULL costs against NORMAL: 1 - FULL's POST rate / NORMAL's."""
    target = "d. vs d2.: what synchronous=FULL costs in POSTs a second"
    goal = f"<= {FULL_COST:.0%}: FULL stays the default"
    ran = (synchronous.get("post"), synchronous.get("post_normal"))
    if ran != ("FULL", "NORMAL"):
        figure = (
            f"n/a: the servers ran with synchronous={ran[0]} and {ran[1]} "
            "(the app does not read SQLITE_SYNCHRONOUS)"
        )
        return {"target": target, "goal": goal, "figure": figure, "met": None}
    full = scenarios.get("post", {}).get("results", {})
    normal = scenarios.get("post_normal", {}).get("results", {})
    both = [c for c in full if c in normal and normal[c]["rps"]]
    if not both:
        return {"target": target, "goal": goal, "figure": "n/a", "met": None}
    costs = {c: 1 - full[c]["rps"] / normal[c]["rps"] for c in both}
    figure = ", ".join(
        f"c={c}: {full[c]['rps']:,.0f}/s with FULL, {normal[c]['rps']:,.0f}/s with NORMAL, "
        f"costs {costs[c]:.0%}"
        for c in both
    )
    return {
        "target": target,
        "goal": goal,
        "figure": figure,
        "met": max(costs.values()) <= FULL_COST,
    }


def targets_table(rows: list[dict], smoke: bool) -> str:
    """The targets as Markdown, each with "met", "MISSED" or "n/a"."""
    lines = [
        "Targets (issue 15), judged on this run"
        + (" (SMOKE run: too small and short to quote)." if smoke else "."),
        "",
        "| target | goal | this run | verdict |",
        "| --- | --- | --- | --- |",
    ]
    for row in rows:
        verdict = {True: "met", False: "MISSED", None: "n/a"}[row["met"]]
        lines.append(f"| {row['target']} | {row['goal']} | {row['figure']} | {verdict} |")
    return "\n".join(lines)


def memory_table(memory: dict, titles: dict) -> str:
    """Each gunicorn server's workers' resident size (VmRSS) after the run."""
    lines = [
        "Resident memory of each gunicorn worker after the run (VmRSS, MB = 10^6 bytes):",
        "",
        "| server | workers' RSS MB |",
        "| --- | --- |",
    ]
    for name, workers in memory.items():
        sizes = ", ".join(f"{mb:.0f}" for mb in workers) or "n/a"
        lines.append(f"| {titles.get(name, name)} | {sizes} |")
    return "\n".join(lines)
