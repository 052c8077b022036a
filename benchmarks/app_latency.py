"""Lever-to-card latency of the planners' app, measured in a real browser.

Starts ``solara run app.py`` on a free port, opens it in Debian's Chromium (headless), waits
for the baseline, then moves a slider one step at a time with the keyboard. For each step it
measures, inside the page, the time from the key press to the moment the headline cards show
new numbers: that is the whole round trip (browser -> server -> model run in a worker ->
cards -> browser). The lever is the coal retirement start year, moved one year later per
step (its default is the earliest year allowed), which changes CO2 every time; each step is
a new lever value. The EU card waits for a second run, the same scenario without EU money,
which a second worker runs next to the first: its latency (key press to the EU card showing
the new additionality) is measured and printed separately. Two modes: **cold** (prefetching
off: every move waits for its model runs in the workers) and **prefetch** (the app's
default: after each update idle workers run the lever's next step in the same direction, and
its counterfactual, so the next nudge may come from the cache). Prints every sample and, per
mode, the median and 90th percentile in milliseconds of the five headline cards and of the
EU card; the target is 300 ms for a single-replicate run (for the headline cards, which are
shown first; the EU card follows when its counterfactual lands).

The baseline, measured in the same run (before and after the browser runs): one model run of
the same scenario and lever values in this process, without the app. A cold move cannot be
faster than that; the summary gives each mode's median as a ratio to it and what the app adds
on top (browser, server, worker hand-over, cards), so results from machines (or hours) of
different speed can be compared.

Usage::

    uv run python benchmarks/app_latency.py [--steps 10] [--pause 2] [--mode both|cold|prefetch]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from wecsim.app.serve import CHROMIUM, app_server, launch_chromium

CARDS = ".wecsim-cards"
GROUP = "Energy"
SLIDER = ".wecsim-lever-coal_retirement_start_year [role=slider]"
KEY = "ArrowRight"

#: Installs a key listener and a mutation observer; ``window.__wecsimLatency`` then resolves with
#: ``[cards, eu]``: the ms from the key press to new text in the five headline cards, and to the EU
#: card showing its new numbers (-1 if that did not happen within 20 s).
MEASURE_JS = """
([cards]) => { window.__wecsimLatency = new Promise((resolve) => {
  const main = () => [...document.querySelectorAll(cards + ' .wecsim-card:not(.wecsim-card-eu)')]
    .map(e => e.innerText).join('|');
  const eu = () => document.querySelector(cards + ' .wecsim-card-eu');
  const before = main();
  const runsBefore = eu() ? eu().dataset.runs : '';
  let t0 = null, tCards = -1;
  document.addEventListener('keydown', () => { t0 = performance.now(); }, {capture: true, once: true});
  const check = () => {
    if (t0 === null) return;
    if (tCards < 0 && main() !== before) tCards = performance.now() - t0;
    const card = eu();
    // the EU card of the new runs, with its numbers (not "working out...")
    if (tCards >= 0 && card && card.dataset.runs !== runsBefore && !card.classList.contains('wecsim-eu-pending')) {
      obs.disconnect();
      resolve([tCards, performance.now() - t0]);
    }
  };
  const obs = new MutationObserver(check);
  obs.observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
  setTimeout(() => { obs.disconnect(); resolve([tCards, -1]); }, 20000);
}); }
"""


def measure(url: str, steps: int, pause_s: float) -> tuple[list[float], list[float]]:
    """Return the lever-to-card latency of ``steps`` slider moves [ms]: headline cards, EU card."""
    from playwright.sync_api import sync_playwright

    samples: list[float] = []
    eu_samples: list[float] = []
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        page.goto(url)
        page.locator(CARDS).wait_for(timeout=120_000)
        page.locator(".wecsim-status-done").wait_for(timeout=120_000)
        page.locator(".wecsim-card-eu.wecsim-eu-ready").wait_for(timeout=120_000)
        time.sleep(2.0)  # let the first charts finish drawing
        page.locator(".wecsim-lever-panel .v-expansion-panel-header", has_text=GROUP).click()
        thumb = page.locator(SLIDER)
        thumb.focus()
        for i in range(steps):
            page.evaluate(MEASURE_JS, [CARDS])
            thumb.press(KEY)
            ms, eu_ms = (float(x) for x in page.evaluate("() => window.__wecsimLatency"))
            if ms < 0:
                print(f"step {i + 1}: no change within 20 s", flush=True)
                continue
            samples.append(ms)
            if eu_ms >= 0:
                eu_samples.append(eu_ms)
            eu_text = f"{eu_ms:.0f} ms" if eu_ms >= 0 else "not within 20 s"
            print(f"step {i + 1}: cards {ms:.0f} ms, EU card {eu_text}", flush=True)
            time.sleep(pause_s)
        browser.close()
    return samples, eu_samples


def model_run_ms(steps: int, repeats: int = 3) -> float:
    """Return the median time of one in-process run of the benchmark's scenarios [ms] (the baseline)."""
    from wecsim.model import WECModel
    from wecsim.scenario import load_scenario

    base = load_scenario("baseline")
    start_year = base.value("coal_retirement_start_year")
    times = []
    for k in range(repeats):
        for i in range(1, steps + 1):
            sc = load_scenario("baseline", [f"coal_retirement_start_year={start_year + i + k}"])
            t = time.perf_counter()
            WECModel(sc, seed=sc.seed).run()
            times.append(1e3 * (time.perf_counter() - t))
    return statistics.median(times)


def summary(samples: list[float]) -> str:
    """Return median, 90th percentile, min and max of the samples as text."""
    s = sorted(samples)
    p90 = s[min(len(s) - 1, round(0.9 * (len(s) - 1)))]
    return f"median {statistics.median(s):.0f} ms, 90th percentile {p90:.0f} ms, min {s[0]:.0f} ms, max {s[-1]:.0f} ms"


def main() -> int:
    """Run the benchmark (cold runs, then with prefetching) and print the summary."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=10, help="slider moves to time per mode (at most 20)")
    ap.add_argument("--pause", type=float, default=2.0, help="seconds between moves (charts redraw meanwhile)")
    ap.add_argument(
        "--mode",
        choices=["both", "cold", "prefetch"],
        default="both",
        help="cold: every move waits for its model run; prefetch: the app's default",
    )
    ap.add_argument(
        "--eu",
        choices=["auto", "alongside", "after"],
        default="auto",
        help="when the counterfactual without EU money starts: the app's choice (auto), next to the "
        "scenario's run, or after its headline tables (WECSIM_APP_EU_ALONGSIDE)",
    )
    args = ap.parse_args()
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} not found: install it with `apt-get install chromium`", file=sys.stderr)
        return 1
    modes = ["cold", "prefetch"] if args.mode == "both" else [args.mode]
    steps = min(args.steps, 20)
    baseline = [model_run_ms(min(steps, 5))]
    print(f"baseline: one model run in this process, no app: median {baseline[0]:.0f} ms")
    results = {}
    for mode in modes:
        env = {"WECSIM_APP_PREFETCH": "0" if mode == "cold" else "1"}
        if args.eu != "auto":
            env["WECSIM_APP_EU_ALONGSIDE"] = "1" if args.eu == "alongside" else "0"
        print(f"-- {mode}: {'no prefetching, every move runs the model' if mode == 'cold' else 'app default'}")
        with app_server(production=True, env=env) as url:
            samples, eu_samples = measure(url, steps, args.pause)
        if not samples:
            print("no sample measured", file=sys.stderr)
            return 1
        results[mode] = samples, eu_samples
    baseline.append(model_run_ms(min(steps, 5)))
    model_ms = statistics.median(baseline)
    print(f"baseline again after the browser runs: {baseline[1]:.0f} ms; used: {model_ms:.0f} ms")
    for mode, (samples, eu_samples) in results.items():
        med = statistics.median(samples)
        print(
            f"lever-to-card latency, {mode}, {len(samples)} moves: {summary(samples)} (target 300 ms); "
            f"median = {med / model_ms:.2f} x the model run ({model_ms:.0f} ms), the app adds {med - model_ms:+.0f} ms"
        )
        if eu_samples:
            eu_med = statistics.median(eu_samples)
            print(
                f"lever-to-EU-card latency, {mode}, {len(eu_samples)} moves: {summary(eu_samples)}; the EU card "
                f"is shown after the headline cards, when the run without EU money lands "
                f"(median {eu_med - med:+.0f} ms after the cards; counterfactual: {args.eu})"
            )
        else:
            print(f"lever-to-EU-card latency, {mode}: not measured (the EU card did not update within 20 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
