"""A workshop room on one server: 8 teams, a projector and a facilitator in 10 real Chromium pages.

Starts ``wecsim workshop serve`` (one server process, as a facilitator would) on a fresh
database and drives Debian's Chromium through Playwright: one browser, one context per person
(so each page is its own session, as on its own device). Issue 15, item 9, measures:

- **decision to acknowledgement**: a team presses *Submit decision*; the time until its page
  shows "Decision N saved". Each round, every team submits at once (a burst: the clicks are
  sent to every page back to back, the worst case), then ``--submits`` times one team after
  another.
- **advance to screen**: the facilitator presses *Advance*; the time until each team page
  and the projector show the numbers of the round just played ("Kazakhstan in <last year of
  the round>"). The facilitator's own page (the model's run plus its redraw) is given apart,
  and so is the slowest screen of each advance (what the room waits for).
- **advance to the projector's comparison**: the time until the projector also shows the runs
  the round is compared with (without the teams, without EU money: its EU table), which the
  server stores after the round's own numbers.
- **open to screen**: the facilitator presses *Open*; the time until every team has its form.
- **server CPU**: the CPU time the server used from the facilitator's click (or the burst)
  until every page showed the change, the measure that does not depend on what else runs.
- **server memory**: the resident memory of the server process and its children (psutil if
  installed, else /proc) at start, after everyone joined, and after each round.

Every time is measured inside the pages: a click listener notes the moment of the click and a
mutation observer the moment the text appears, both with ``Date.now()`` (one clock on one
machine), so the benchmark's own round trips to Chromium are not counted.

The same run first measures a **baseline**: the same workshop with one team, the projector
and the facilitator (3 pages). Its medians are the denominators of the ratios printed for the
full room, so a busy machine slows both alike. The machine's load (``uptime``) is printed
before and after.

Usage::

    uv run python benchmarks/workshop_load.py [--teams 8] [--rounds 3] [--years-per-round 5] [--submits 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from wecsim.app.serve import RequestLog, free_port, launch_chromium, server_process
from wecsim.workshop.service import Workshops

#: The room of issue 15: two EU-side funders and the budget, the Mangystau and Turkestan akimats,
#: the Almaty and Mangystau water utilities and a Dutch desalination firm (the issue's examples).
ROLES = [
    "funder:eu_grant",
    "funder:ebrd",
    "funder:national",
    "region:KZ-47",
    "region:KZ-61",
    "utility:KZ-75",
    "utility:KZ-47",
    "firm:eu_water_nl",
]
VIEWPORT = {"width": 1280, "height": 800}
LOAD_TIMEOUT_MS = 120_000
#: How long a page may take to show what it waits for before the benchmark gives up [ms].
WAIT_MS = 60_000

#: Arms a page: the next click on ``button`` starts its clock; the clock stops when an element
#: matching ``target`` has text containing ``text`` that differs from what it showed when armed.
#: ``window[slot]`` (``__wsLag`` unless given) then holds ``[click, seen]`` (Date.now(), ms); ``click``
#: is null on pages that only watch (their clock starts at the facilitator's click).
ARM_JS = """
([button, target, text, slot]) => {
  const shown = () => [...document.querySelectorAll(target)].map(e => e.textContent).join('|');
  const before = shown();
  const lag = window[slot || '__wsLag'] = {click: null, seen: null};
  if (button) {
    document.addEventListener('click', (e) => {
      if (lag.click === null && e.target.closest(button)) lag.click = Date.now();
    }, {capture: true});
  }
  const check = () => {
    if (lag.seen !== null || (button && lag.click === null)) return;
    const now = shown();
    if (now !== before && now.includes(text)) { lag.seen = Date.now(); obs.disconnect(); }
  };
  const obs = new MutationObserver(check);
  obs.observe(document.body, {subtree: true, childList: true, characterData: true});
}
"""
SEEN_JS = "(slot) => window[slot] && window[slot].seen !== null"
LAG_JS = "(slot) => [window[slot].click, window[slot].seen]"
#: The projector's second clock: until it shows the comparison runs of the round (stored after the round itself).
COMPARED = "__wsCompared"
#: What the projector shows once the comparison runs are stored (the EU table's first row; its heading is there
#: before, the table waiting for its numbers).
COMPARED_TEXT = "EU money spent"
CLICK_JS = "(sel) => document.querySelector(sel).click()"


def uptime() -> str:
    """Return ``uptime``'s line (the load averages), or /proc/loadavg when the command is missing."""
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "load average " + " ".join(Path("/proc/loadavg").read_text().split()[:3])


def rss_mb(pid: int) -> float:
    """Return the resident memory of process ``pid`` and its children [MB] (psutil if installed, else /proc)."""
    try:
        import psutil
    except ImportError:
        return _proc_rss_kb(pid) / 1024
    proc = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)]) / 2**20


def _proc_rss_kb(pid: int) -> int:
    total = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if status.parent.name == str(pid) or f"\nPPid:\t{pid}\n" in text:
            total += next((int(ln.split()[1]) for ln in text.splitlines() if ln.startswith("VmRSS:")), 0)
    return total


def cpu_s(pid: int) -> float:
    """Return the CPU seconds (user + system) process ``pid`` and its children have used so far (Linux /proc)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if stat.parent.name == str(pid) or fields[1] == str(pid):
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def p90(xs: list[float]) -> float:
    """Return the 90th percentile (nearest rank)."""
    s = sorted(xs)
    return s[min(len(s) - 1, round(0.9 * (len(s) - 1)))]


def arm(page, button: str | None, target: str, text: str, slot: str = "__wsLag") -> None:
    page.evaluate(ARM_JS, [button, target, text, slot])


def lags_ms(pages: list, start: float | None = None, slot: str = "__wsLag") -> list[float]:
    """Wait until every armed page has seen its text; return each page's lag [ms] from its click (or ``start``)."""
    out = []
    for page in pages:
        page.wait_for_function(SEEN_JS, arg=slot, timeout=WAIT_MS, polling=50)
        click, seen = page.evaluate(LAG_JS, slot)
        out.append(float(seen - (click if start is None else start)))
    return out


def run_room(n_teams: int, rounds: int, years: int, submits: int, db_dir: Path) -> dict[str, list[float]]:
    """Play ``rounds`` rounds with ``n_teams`` team pages, a projector and a facilitator; return the samples.

    Each round: the facilitator opens it, every team submits at once, then ``submits`` times one
    team after another, and the facilitator advances.
    """
    from playwright.sync_api import sync_playwright

    db = db_dir / f"room-{n_teams}.db"
    ws = Workshops(db, create=True)
    made = ws.create("baseline", ROLES[:n_teams], rounds, years)
    plan = ws.plan(made.workshop_id)
    last_year = [plan.years(r).stop - 1 for r in range(1, rounds + 1)]
    first_year = plan.years(1).start
    ws.close()
    wid, key = made.workshop_id, made.facilitator_key
    port = free_port()
    names = (
        "burst",
        "one by one",
        "open",
        "advance",
        "slowest",
        "facilitator",
        "compared",
        "cpu open",
        "cpu burst",
        "cpu advance",
        "cpu compared",
    )
    out: dict[str, list[float]] = {k: [] for k in names}
    memory: list[tuple[str, float]] = []
    cmd = [sys.executable, "-m", "wecsim", "workshop", "serve", "--db", str(db), "--host", "127.0.0.1"]
    with sync_playwright() as pw, server_process([*cmd, "--port", str(port)], port, name="workshop") as url:
        from wecsim.app.serve import _server_pids

        pid = _server_pids[url]
        memory.append(("start", rss_mb(pid)))
        browser = launch_chromium(pw)
        contexts, log = [], RequestLog()
        try:

            def new_page(link: str, ready: str):
                ctx = browser.new_context(viewport=VIEWPORT, locale="en-US")
                log.attach(ctx)
                contexts.append(ctx)
                page = ctx.new_page()
                page.goto(link, timeout=LOAD_TIMEOUT_MS)
                page.locator(ready).first.wait_for(timeout=LOAD_TIMEOUT_MS)
                return page

            board = new_page(f"{url}?w={wid}&projector={made.projector_code}", ".ws-projector")
            teams = [new_page(f"{url}?w={wid}&code={made.team_codes[r]}", ".ws-team") for r in ROLES[:n_teams]]
            fac = new_page(url, "text=Facilitator key")
            fac.get_by_label("Workshop").nth(1).fill(wid)
            fac.get_by_label("Facilitator key").fill(key)
            fac.get_by_role("button", name="Sign in").click()
            fac.locator(".ws-facilitator").wait_for(timeout=LOAD_TIMEOUT_MS)
            time.sleep(2.0)  # let every page settle before the first measurement
            memory.append(("joined", rss_mb(pid)))

            for r in range(1, rounds + 1):
                # open: every team gets its form
                arm(fac, ".ws-open", "body", "")
                for page in teams:
                    arm(page, None, ".ws-submit", "")
                cpu = cpu_s(pid)
                fac.evaluate(CLICK_JS, ".ws-open")
                fac.wait_for_function("() => window.__wsLag.click !== null", timeout=WAIT_MS)
                start = fac.evaluate("() => window.__wsLag.click")
                out["open"] += lags_ms(teams, start)
                out["cpu open"].append(1000 * (cpu_s(pid) - cpu))
                # a burst: every team presses Submit at once
                for page in teams:
                    arm(page, ".ws-submit", ".ws-message", "saved")
                cpu = cpu_s(pid)
                for page in teams:
                    page.evaluate(CLICK_JS, ".ws-submit")
                out["burst"] += lags_ms(teams)
                out["cpu burst"].append(1000 * (cpu_s(pid) - cpu))
                # one team after another, ``submits`` times over
                for _ in range(submits):
                    for page in teams:
                        arm(page, ".ws-submit", ".ws-message", "saved")
                        page.locator(".ws-submit").click()
                        out["one by one"] += lags_ms([page])
                time.sleep(1.0)  # the other pages redraw "submitted"; do not count that against the advance
                # advance: the model runs the round's years; every screen shows its numbers
                after = "finished" if r == rounds else f"Current round: {r + 1}"
                arm(fac, ".ws-advance", ".ws-facilitator", after)
                for page in [*teams, board]:
                    arm(page, None, "body", f"Kazakhstan in {last_year[r - 1]}")
                arm(board, None, ".ws-projector", f"{COMPARED_TEXT}, {first_year}-{last_year[r - 1]}", COMPARED)
                cpu = cpu_s(pid)
                fac.evaluate(CLICK_JS, ".ws-advance")
                out["facilitator"] += lags_ms([fac])
                start = fac.evaluate("() => window.__wsLag.click")
                screens = lags_ms([*teams, board], start)
                out["cpu advance"].append(1000 * (cpu_s(pid) - cpu))
                out["advance"] += screens
                out["slowest"].append(max(screens))
                out["compared"] += lags_ms([board], start, COMPARED)
                out["cpu compared"].append(1000 * (cpu_s(pid) - cpu))
                time.sleep(1.0)
                memory.append((f"round {r}", rss_mb(pid)))
                print(
                    f"  {n_teams} team(s), round {r}: advance {out['facilitator'][-1]:.0f} ms on the facilitator's "
                    f"page, slowest screen {max(screens):.0f} ms; server CPU {out['cpu advance'][-1]:.0f} ms until "
                    f"every screen; server {memory[-1][1]:.0f} MB",
                    flush=True,
                )
        finally:
            for ctx in contexts:
                ctx.close()
            browser.close()
    if log.external:
        raise RuntimeError(f"requests left 127.0.0.1: {log.external}")
    return {**out, "memory": memory}


def row(name: str, xs: list[float], base: list[float] | None) -> str:
    ratio = f"{statistics.median(xs) / statistics.median(base):5.2f}" if base else "     "
    return f"{name:<56} {len(xs):>4} {statistics.median(xs):>8.0f} {p90(xs):>8.0f} {max(xs):>8.0f}   {ratio}"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--teams", type=int, default=8, help=f"team pages in the full room (at most {len(ROLES)})")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--years-per-round", type=int, default=5)
    ap.add_argument("--submits", type=int, default=3, help="submissions per team and round, one team after another")
    ap.add_argument("--json", type=Path, help="also write every sample to this JSON file")
    args = ap.parse_args(argv)
    if not 1 <= args.teams <= len(ROLES):
        ap.error(f"--teams must be 1 to {len(ROLES)}")
    print(f"before: {uptime()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="wecsim-workshop-load-") as tmp:
        print("baseline: 1 team, the projector and the facilitator (3 pages)", flush=True)
        base = run_room(1, args.rounds, args.years_per_round, args.submits, Path(tmp))
        print(f"room: {args.teams} teams, the projector and the facilitator ({args.teams + 2} pages)", flush=True)
        room = run_room(args.teams, args.rounds, args.years_per_round, args.submits, Path(tmp))
    print(f"after: {uptime()}; {os.cpu_count()} cores")
    print()
    print(f"{'[ms]':<56} {'n':>4} {'median':>8} {'p90':>8} {'max':>8}   x baseline median")
    names = {
        "burst": "decision to ack, all teams at once",
        "one by one": "decision to ack, one team after another",
        "open": "open to every team's form",
        "facilitator": "advance: facilitator's page (model run)",
        "advance": "advance to screen, each team and projector",
        "slowest": "advance to the slowest screen",
        "compared": "advance to the projector's comparison",
        "cpu open": "server CPU: open until every form shows",
        "cpu burst": "server CPU: burst until every ack shows",
        "cpu advance": "server CPU: advance until every screen",
        "cpu compared": "server CPU: advance until the comparison",
    }
    for k, name in names.items():
        print(row(f"baseline: {name}", base[k], None))
        print(row(f"{args.teams} teams: {name}", room[k], base[k]))
    print()
    print("server memory [MB]: " + "; ".join(f"{k} {v:.0f}" for k, v in base["memory"]) + " (baseline)")
    print("server memory [MB]: " + "; ".join(f"{k} {v:.0f}" for k, v in room["memory"]) + f" ({args.teams} teams)")
    if args.json:
        args.json.write_text(json.dumps({"baseline": base, "room": room}, indent=1))


if __name__ == "__main__":
    main()
