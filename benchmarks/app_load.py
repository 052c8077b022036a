"""The planners' app shared by a room: 8 tabs at once, one tab's 50 replicates, 100 tabs opened and closed.

Starts ``solara run app.py --production`` and drives Debian's Chromium (headless, one browser
context per tab, so each tab is its own session) through Playwright's async API. Latency is
measured inside each page, from the key press to new numbers in the five headline cards, as in
``benchmarks/app_latency.py`` (its measuring script is reused). Each tab first gets a seed of its
own, so no tab's runs come from another tab's cache: every move is a new run.

1. **Baseline** (one tab alone): key-to-card time of single slider moves.
2. **Eight tabs**: each moves the coal retirement slider one year at a time, ``--moves`` times,
   with a random pause of ``--pause`` seconds before each move (people read before they
   nudge again); key-to-card median and 90th percentile over every move of every tab
   (targets 0.5 s and 1.5 s, issue 14).
3. **One move while another tab runs 50 replicates**: one tab asks for 50 replicates; while
   they run, another tab moves its slider (target 0.5 s).
4. **Memory**: server RSS after the first tab was opened and closed, and after 100 tabs were
   opened and closed (each waits for its cards and the EU card, then closes), with closed tabs
   freed after ``--kept`` (``SOLARA_KERNEL_CULL_TIMEOUT``; the app's default is 10 minutes).
   Target: at most 1.5 x the RSS after the first tab. The model's worker processes are reported
   apart (their memory does not grow with tabs).

The machine's load (``/proc/loadavg``) is printed with the numbers: on a shared machine they are
pessimistic. Latencies are also given as ratios to the one-tab baseline measured in the same run.

Usage::

    uv run python benchmarks/app_load.py [--tabs 8] [--moves 5] [--pause 2 6] [--sessions 100] [--lever coal|eu]

``--lever eu`` moves the EU investment grants instead of the coal retirement start: its run without
EU money is the same at every step, so it comes from the cache. A one-step move (EUR 1 M/yr) may
leave every card's shown digits unchanged; such a move is reported as "no change within 20 s".
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from app_latency import CARDS, GROUP, KEY, MEASURE_JS, SLIDER

from wecsim.app.serve import CHROMIUM, CHROMIUM_ARGS, _server_pids, app_server, server_rss_mb, workers_rss_mb

VIEWPORT = {"width": 1400, "height": 1000}
#: The levers the tabs can move (``--lever``): name -> (slider, lever group to open, or None when open
#: from the start). ``coal`` (the default, as ``app_latency.py``) changes the run without EU money
#: too; ``eu`` (EU investment grants, one step = EUR 1 M/yr) leaves it unchanged, so its cached run serves.
LEVERS = {
    "coal": (SLIDER, GROUP),
    "eu": (".wecsim-lever-budget_eu_grant_meur [role=slider]", None),
}
slider, group = LEVERS["coal"]  # the one moved in this run (set from --lever in main)
LOAD_TIMEOUT_MS = 180_000


def load() -> str:
    """Return the machine's load averages (1, 5, 15 min) and core count, as text."""
    one, five, fifteen = Path("/proc/loadavg").read_text().split()[:3]
    return f"load average {one}, {five}, {fifteen} on {os.cpu_count()} cores"


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        kids.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    return kids


def _tree(pid: int, kids: dict[int, list[int]], skip: int | None = None) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        if p == skip:
            continue
        out.append(p)
        todo += kids.get(p, [])
    return out


def _cpu_s(pids: list[int]) -> float:
    """Return the CPU seconds (user + system) the processes have used so far."""
    total = 0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def cpu_use(url: str) -> dict[str, float]:
    """Return the CPU seconds used so far by the app server, its model workers and this benchmark's browser."""
    server = _server_pids[url]
    kids = _children()
    workers = _tree(server, kids)[1:]
    browser = _tree(os.getpid(), kids, skip=server)[1:]
    return {"server": _cpu_s([server]), "workers": _cpu_s(workers), "browser": _cpu_s(browser)}


def cpu_text(before: dict[str, float], after: dict[str, float], wall_s: float, n_moves: int = 0) -> str:
    """Return where the CPU time went between two :func:`cpu_use` readings, in core-seconds and cores busy.

    With ``n_moves``, also per lever move: the measure that does not depend on what else the machine runs.
    """
    parts = [f"{k} {after[k] - before[k]:.1f} s ({(after[k] - before[k]) / wall_s:.2f} cores)" for k in after]
    text = f"CPU over {wall_s:.0f} s: " + ", ".join(parts)
    if n_moves:
        per = {k: (after[k] - before[k]) / n_moves for k in after}
        text += f"; per move: {sum(per.values()):.2f} s (" + ", ".join(f"{k} {v:.2f}" for k, v in per.items()) + ")"
    return text


def p90(xs: list[float]) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, round(0.9 * (len(s) - 1)))]


def summary(xs: list[float], base_ms: float | None = None) -> str:
    """Return n, median, 90th percentile and max [ms] (and the median's ratio to ``base_ms``)."""
    if not xs:
        return "no samples"
    med = statistics.median(xs)
    text = f"n={len(xs)}, median {med:.0f} ms, 90th percentile {p90(xs):.0f} ms, max {max(xs):.0f} ms"
    if base_ms:
        text += f" ({med / base_ms:.2f} x the one-tab median)"
    return text


async def settled(page) -> None:
    """Wait until the page shows this request's cards, an up-to-date status and the EU card."""
    await page.locator(CARDS).wait_for(timeout=LOAD_TIMEOUT_MS)
    await page.locator(".wecsim-status-done").wait_for(timeout=LOAD_TIMEOUT_MS)
    await page.locator(".wecsim-card-eu.wecsim-eu-ready").wait_for(timeout=LOAD_TIMEOUT_MS)


async def open_tab(browser, url: str, seed: int | None = None):
    """Open the app in a new session; give it its own seed; open the lever group. Return (context, page)."""
    ctx = await browser.new_context(viewport=VIEWPORT)
    page = await ctx.new_page()
    await page.goto(url, timeout=LOAD_TIMEOUT_MS)
    await settled(page)
    if seed is not None:
        box = page.locator(".wecsim-seed input")
        await box.fill(str(seed))
        await box.press("Enter")
        await page.locator(".wecsim-status-running").wait_for(state="detached", timeout=LOAD_TIMEOUT_MS)
        await settled(page)
        if group is not None:
            await page.locator(".wecsim-lever-panel .v-expansion-panel-header", has_text=group).click()
        await page.locator(slider).wait_for(state="attached")
        await page.locator(slider).focus()
    return ctx, page


async def move(page) -> float:
    """Press the slider key once; return the key-to-card time [ms] (-1 if the cards did not change in 20 s)."""
    await page.evaluate(MEASURE_JS, [CARDS])
    await page.locator(slider).press(KEY)
    cards_ms, _eu_ms = await page.evaluate("() => window.__wecsimLatency")
    return float(cards_ms)


async def moves(page, n: int, pause: tuple[float, float], rng: random.Random, label: str) -> list[float]:
    out = []
    for i in range(n):
        await asyncio.sleep(rng.uniform(*pause))
        ms = await move(page)
        print(f"  {label} move {i + 1}: " + (f"{ms:.0f} ms" if ms >= 0 else "no change within 20 s"), flush=True)
        if ms >= 0:
            out.append(ms)
    return out


async def latency(url: str, args) -> dict[str, list[float]]:
    from playwright.async_api import async_playwright

    rng = random.Random(args.seed)
    out: dict[str, list[float]] = {}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # 1. one tab alone
        print("-- one tab alone", flush=True)
        ctx, page = await open_tab(browser, url, seed=1000)
        out["one tab"] = await moves(page, args.moves, tuple(args.pause), rng, "alone")
        await ctx.close()
        # 2. eight tabs at once
        print(f"-- {args.tabs} tabs at once ({load()})", flush=True)
        tabs = [await open_tab(browser, url, seed=2000 + k) for k in range(args.tabs)]  # set-up, not timed
        cpu0, t0 = cpu_use(url), time.perf_counter()
        print(f"  moves start at {time.time():.1f} (Unix time)", flush=True)
        per_tab = await asyncio.gather(
            *(
                moves(page, args.moves, tuple(args.pause), random.Random(args.seed + k), f"tab {k + 1}")
                for k, (_, page) in enumerate(tabs)
            )
        )
        out[f"{args.tabs} tabs"] = [ms for xs in per_tab for ms in xs]
        cpu = cpu_text(cpu0, cpu_use(url), time.perf_counter() - t0, args.tabs * args.moves)
        out["cpu"] = cpu  # type: ignore[assignment]
        print(f"  moves end at {time.time():.1f}; {out['cpu']} ({load()})", flush=True)
        for ctx, _ in tabs:
            await ctx.close()
        if args.no_replicates:
            await browser.close()
            return out
        # 3. a move in one tab while another runs 50 replicates
        print(f"-- one tab moves while another runs 50 replicates ({load()})", flush=True)
        bulk_ctx, bulk = await open_tab(browser, url, seed=3000)
        ctx, page = await open_tab(browser, url, seed=4000)
        box = bulk.locator(".wecsim-replicates input")
        await box.fill("50")
        await box.press("Enter")
        await bulk.locator(".wecsim-status-running").wait_for()
        start = time.perf_counter()
        during = []
        for i in range(args.moves):
            await asyncio.sleep(rng.uniform(*args.pause))
            still = await bulk.locator(".wecsim-status-running").count() > 0
            ms = await move(page)
            print(f"  move {i + 1} ({'replicates running' if still else 'replicates done'}): {ms:.0f} ms", flush=True)
            if still and ms >= 0:
                during.append(ms)
        out["during 50 replicates"] = during
        await bulk.locator(".wecsim-status-done", has_text="50 runs").wait_for(timeout=600_000)
        print(f"  the 50 replicates took {time.perf_counter() - start:.1f} s", flush=True)
        await bulk_ctx.close()
        await ctx.close()
        await browser.close()
    return out


async def memory(url: str, args) -> tuple[float, float, float, float]:
    """Open and close ``args.sessions`` tabs one after another; return server RSS at start, after 1 and after all."""
    from playwright.async_api import async_playwright

    async def one() -> None:
        ctx = await browser.new_context(viewport=VIEWPORT)
        page = await ctx.new_page()
        await page.goto(url, timeout=LOAD_TIMEOUT_MS)
        await settled(page)
        await ctx.close()

    freed_s = args.kept_s + 3  # Solara frees a closed tab this long after its page disconnects
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        start = server_rss_mb(url)
        await one()
        await asyncio.sleep(freed_s)
        first = server_rss_mb(url)
        print(f"-- memory: server RSS {start:.0f} MB at start, {first:.0f} MB after the first tab", flush=True)
        t = time.perf_counter()
        for k in range(2, args.sessions + 1):
            await one()
            if k % 10 == 0:
                print(f"  {k} tabs opened and closed: server RSS {server_rss_mb(url):.0f} MB", flush=True)
        print(f"  {args.sessions - 1} tabs in {time.perf_counter() - t:.0f} s", flush=True)
        await browser.close()
    await asyncio.sleep(freed_s)
    return start, first, server_rss_mb(url), workers_rss_mb(url)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tabs", type=int, default=8, help="tabs moving levers at once")
    ap.add_argument("--moves", type=int, default=5, help="slider moves per tab")
    ap.add_argument("--pause", type=float, nargs=2, default=[2.0, 6.0], help="random pause before a move [s]")
    ap.add_argument("--sessions", type=int, default=100, help="tabs opened and closed for the memory check")
    ap.add_argument("--kept", type=int, default=2, dest="kept_s", help="seconds a closed tab is kept")
    ap.add_argument("--seed", type=int, default=1, help="seed of the random pauses")
    ap.add_argument("--part", choices=["all", "latency", "memory"], default="all")
    ap.add_argument("--no-replicates", action="store_true", help="skip the move during another tab's 50 replicates")
    ap.add_argument("--lever", choices=list(LEVERS), default="coal", help="the slider every tab moves")
    args = ap.parse_args()
    global slider, group
    slider, group = LEVERS[args.lever]
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} not found: install it with `apt-get install chromium`", file=sys.stderr)
        return 1
    print(f"start: {load()}; lever: {args.lever} ({slider})", flush=True)
    env = {"SOLARA_KERNEL_CULL_TIMEOUT": f"{args.kept_s}s"}
    lat: dict[str, list[float]] = {}
    mem = None
    with app_server(production=True, env=env) as url:
        if args.part in ("all", "latency"):
            lat = asyncio.run(latency(url, args))
        if args.part in ("all", "memory"):
            mem = asyncio.run(memory(url, args))
    print(f"== summary ({load()})")
    if lat:
        base = statistics.median(lat["one tab"]) if lat["one tab"] else None
        print(f"one tab alone (baseline): {summary(lat['one tab'])}")
        many = lat[f"{args.tabs} tabs"]
        print(f"{args.tabs} tabs at once: {summary(many, base)}; targets: median 500 ms, 90th percentile 1,500 ms")
        print(f"  {lat['cpu']}")
        during = lat.get("during 50 replicates", [])
        if not args.no_replicates:
            print(f"a move while another tab runs 50 replicates: {summary(during, base)}; target 500 ms")
    if mem is not None:
        start, first, last, workers = mem
        print(
            f"server RSS: {start:.0f} MB at start, {first:.0f} MB after the first tab, {last:.0f} MB after "
            f"{args.sessions} tabs opened and closed = {last / first:.2f} x (target at most 1.5 x); "
            f"the model's workers: {workers:.0f} MB"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
