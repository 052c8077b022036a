"""Save and share: scenario YAML in and out, results as CSV/Excel, charts, an HTML report."""

from __future__ import annotations

import logging

import solara

from wecsim.app import state
from wecsim.app.components.prose import Prose
from wecsim.app.components.upload import ScenarioUpload
from wecsim.app.exports import charts_zip, report_html, results_excel, results_zip
from wecsim.app.params import changed, controls, defaults, values_of
from wecsim.app.scenario_io import (
    MAX_FILE_BYTES,
    UploadError,
    read_upload,
    safe_filename,
    scenario_yaml,
    upload_name,
)
from wecsim.errors import WecsimError
from wecsim.i18n import _, current_language, use_language

upload_error = solara.reactive("")
upload_ok = solara.reactive("")
save_name = solara.reactive("")


_log = logging.getLogger(__name__)


def handle_upload(info: dict) -> None:
    """Validate an uploaded file (``{"name", "data"}``); load it into the page or show the loader's error.

    Whatever the upload holds, the page gets one short message and never a traceback or a
    server path: the loader's own errors are shown as they are, anything else (a fault of
    ours) as a one-line notice, with the details in the server's log.
    """
    shown = upload_name(info.get("name") if isinstance(info, dict) else None)
    try:
        sc = read_upload(shown, info["data"])
        name = state.add_upload(sc)
    except UploadError as exc:
        upload_ok.set("")
        upload_error.set(str(exc))
        return
    except Exception as exc:  # never let an upload break the page
        _log.exception("upload %r could not be read", shown)
        upload_ok.set("")
        upload_error.set(
            _("{file}: could not be read ({error}); check that it is a wecsim scenario file").format(
                file=shown, error=type(exc).__name__
            )
        )
        return
    upload_error.set("")
    upload_ok.set(
        _("Loaded {file} as scenario “{name}”: the levers on the left now show it.").format(file=shown, name=name)
    )


def in_language(lang: str, make, *args):
    """Return ``make(*args)`` made in ``lang`` (downloads are made in a thread, after the click)."""
    with use_language(lang):
        return make(*args)


@solara.component
def SharePage() -> None:
    """Download and upload scenarios; download results, charts and a report."""
    view = state.shown.value
    cur, ref = view.current, view.reference
    vals = {n: r.value for n, r in state.values.items()}
    diff_base = changed(vals, values_of(state.base.value))
    default_name = state.base.value.name if not diff_base else f"{state.base.value.name}-edited"
    name = save_name.value.strip() or default_name
    try:
        sc = state.current_scenario(name=name)
        yaml_error = ""
    except WecsimError as exc:
        sc, yaml_error = None, str(exc)
    with solara.Column(gap="14px", classes=["wecsim-page-share"]):
        with solara.Card(_("Scenario file (YAML)"), margin=0):
            Prose(
                _("Download the levers as set on the left as a scenario file. `{command}` runs it unchanged.").format(
                    command=f"uv run wecsim run {safe_filename(name, '.yaml')}"
                )
            )
            solara.InputText(
                _("Scenario name"),
                value=save_name.value or default_name,
                on_value=save_name.set,
                style={"max-width": "420px"},
                classes=["wecsim-save-name"],
            )
            all_changed = changed(vals, defaults())
            if all_changed:
                labels = {c.name: c for c in controls()}
                solara.Text(
                    _("Differs from the defaults in: {levers}").format(
                        levers=", ".join(
                            f"{_(labels[k].param.label)} = {labels[k].format(v)}" for k, v in all_changed.items()
                        )
                    ),
                    style={"font-size": "12px", "color": "#616161"},
                )
            if sc is not None:
                header = f"wecsim scenario saved from the app; run with: wecsim run {safe_filename(name, '.yaml')}"
                solara.FileDownload(
                    scenario_yaml(sc, header),
                    filename=safe_filename(name, ".yaml"),
                    label=_("Download scenario YAML"),
                    mime_type="application/x-yaml",
                )
            else:
                solara.Error(yaml_error)
        with solara.Card(_("Open a scenario file"), margin=0):
            Prose(
                _(
                    "Open a `.yaml` scenario file (at most {kb} kB). It is checked exactly like "
                    "`wecsim validate`; it may extend a shipped scenario (`extends: baseline.yaml`), not other files. "
                    "A valid file replaces the levers on the left and joins the scenario list of this tab."
                ).format(kb=MAX_FILE_BYTES // 1024)
            )
            ScenarioUpload(handle_upload, MAX_FILE_BYTES)
            if upload_error.value:
                solara.Error(
                    children=[
                        solara.Text(
                            upload_error.value,
                            classes=["wecsim-upload-error"],
                            style={"white-space": "pre-wrap", "font-family": "monospace", "font-size": "13px"},
                        )
                    ],
                    classes=["wecsim-upload-error-box"],
                )
            if upload_ok.value:
                solara.Success(upload_ok.value, classes=["wecsim-upload-ok"])
        if cur is None:
            solara.Text(_("Running…"))
            return
        res = cur.first
        stem = safe_filename(cur.scenario.name)
        lang = current_language()
        with solara.Card(_("Results and charts"), margin=0):
            Prose(
                _("Results of the run on screen (scenario *{scenario}*, seed {seed}").format(
                    scenario=cur.scenario.name, seed=cur.seeds[0]
                )
                + (_("; the first of {n} replicates").format(n=cur.n) if cur.n > 1 else "")
                + _("; scenario hash `{hash}`, wecsim {version}).").format(
                    hash=res.meta.get("scenario_hash"), version=res.meta.get("wecsim_version")
                )
            )
            with solara.Row(gap="8px", style={"flex-wrap": "wrap"}):
                solara.FileDownload(
                    lambda: results_zip(res),
                    filename=f"{stem}_results_csv.zip",
                    label=_("Results (CSV, zip)"),
                    mime_type="application/zip",
                )
                solara.FileDownload(
                    lambda: results_excel(res),
                    filename=f"{stem}_results.xlsx",
                    label=_("Results (Excel)"),
                    mime_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                )
                solara.FileDownload(
                    lambda: in_language(lang, charts_zip, cur, ref),
                    filename=f"{stem}_charts.zip",
                    label=_("All charts (PNG + SVG, zip)"),
                    mime_type="application/zip",
                )
                solara.FileDownload(
                    lambda: in_language(lang, report_html, cur, ref),
                    filename=f"{stem}_report.html",
                    label=_("HTML report"),
                    mime_type="text/html",
                )
            solara.Text(
                _(
                    "The report holds the headline numbers, every chart, every lever with its source, and the "
                    "scenario file, with its provenance (scenario hash, wecsim version, seeds)."
                ),
                style={"font-size": "12px", "color": "#616161"},
            )
