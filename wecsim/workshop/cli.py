"""``wecsim workshop ...``: set up a workshop and run its rounds from the command line.

Registered on the main CLI by :func:`register`; every command names the database with
``--db`` and (when the file holds more than one) the workshop with ``--workshop``.
Facilitator commands need the key (``--key``, or the ``WECSIM_WORKSHOP_KEY`` environment
variable so that it stays out of the shell's history).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from wecsim.workshop.service import Workshops

workshop_app = typer.Typer(
    help="Workshops: teams of officials play the model's agents in rounds (see docs/workshop.md).",
    no_args_is_help=True,
)

#: Where the join links point by default: the workshop page on this machine (``wecsim workshop serve``).
DEFAULT_BASE_URL = "http://localhost:8765"
#: Pixels per QR module in the SVG files (a size that prints legibly on A4).
QR_SCALE = 6

DbOpt = Annotated[Path, typer.Option("--db", help="The workshop database (an SQLite file).")]
WorkshopOpt = Annotated[
    str | None, typer.Option("--workshop", help="Workshop id (needed only when the file holds several).")
]
KeyOpt = Annotated[
    str, typer.Option("--key", envvar="WECSIM_WORKSHOP_KEY", help="The facilitator key printed by `new`.")
]


@workshop_app.callback()
def _language(
    ctx: typer.Context,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            envvar="WECSIM_LANG",
            help="Language of the messages and the output: en (default), ru or kk.",
        ),
    ] = None,
) -> None:
    """Workshops: teams of officials play the model's agents in rounds (see docs/workshop.md)."""
    from wecsim.i18n import LANGUAGES, use_language

    if lang is None:
        return
    if lang not in LANGUAGES:
        raise typer.BadParameter(f"{lang!r}: expected one of {', '.join(LANGUAGES)}", param_hint="--lang")
    ctx.with_resource(use_language(lang))  # for the whole command, its messages and errors


def register(app: typer.Typer) -> None:
    """Add ``wecsim workshop`` to the main CLI."""
    from wecsim.cli import user_errors

    for name, func in _COMMANDS:
        workshop_app.command(name)(user_errors(func))
    app.add_typer(workshop_app, name="workshop")


def _open(db: Path, workshop: str | None, create: bool = False) -> tuple[Workshops, str]:
    from wecsim.workshop.errors import WorkshopError
    from wecsim.workshop.service import Workshops

    ws = Workshops(db, create=create)
    if workshop is not None:
        return ws, workshop
    ids = ws.ids()
    if len(ids) != 1:
        ws.close()
        raise WorkshopError(
            _("--workshop: {db} holds {n} workshops ({ids}); name one").format(
                db=db, n=len(ids), ids=", ".join(ids) or _("none")
            )
        )
    return ws, ids[0]


def _(message: str) -> str:
    """Translate ``message`` into the language in use (:func:`wecsim.i18n._`, imported only when a command runs)."""
    from wecsim.i18n import _ as translate

    return translate(message)


def _print_json(data) -> None:
    from wecsim.cli import console

    console.print_json(json.dumps(data, default=str))


def new_cmd(
    scenario: Annotated[str, typer.Argument(help="Scenario YAML file, or a shipped scenario name.")],
    roles: Annotated[str, typer.Option("--roles", help="Roles in play, comma-separated (see `workshop roles`).")],
    rounds: Annotated[int, typer.Option("--rounds", help="Number of rounds.")],
    years_per_round: Annotated[int, typer.Option("--years-per-round", help="Years the model runs per round.")],
    db: DbOpt,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed (default: the scenario's).")] = None,
    base_url: Annotated[str, typer.Option("--base-url", help="Address of the app the join links open.")] = (
        DEFAULT_BASE_URL
    ),
    qr: Annotated[bool, typer.Option("--qr/--no-qr", help="Write a QR code (SVG) per team next to the database.")] = (
        True
    ),
) -> None:
    """Create a workshop; print the facilitator key, the projector link and each team's code and link (shown once)."""
    from wecsim.cli import console
    from wecsim.outputs import refuse_special
    from wecsim.workshop.service import Workshops, check_setup

    role_ids = [r.strip() for r in roles.split(",") if r.strip()]
    # bad input is reported before the database is touched
    config, _roles = check_setup(scenario, role_ids, rounds, years_per_round, seed)
    refuse_special(db, "--db", "file")
    ws = Workshops(db, create=True)
    try:
        made = ws.create(config, role_ids, rounds, years_per_round, seed)
    finally:
        ws.close()
    console.print(
        _("workshop [bold]{workshop}[/] in {db}: {scenario}, {rounds} rounds x {years} yr").format(
            workshop=made.workshop_id, db=db, scenario=config.name, rounds=rounds, years=years_per_round
        )
    )
    console.print(
        _("facilitator key (keep it; it is not stored): [bold]{key}[/]").format(key=made.facilitator_key),
        highlight=False,
    )
    link = projector_link(base_url, made.workshop_id, made.projector_code)
    console.print(_("projector: {link}").format(link=link), highlight=False)
    for role, code in made.team_codes.items():
        link = team_link(base_url, made.workshop_id, code)
        line = _("{role}: code {code}  {link}").format(role=role, code=code, link=link)
        if qr:
            line += f"  QR {_write_qr(db, made.workshop_id, role, link)}"
        console.print(line, highlight=False, soft_wrap=True)


def _write_qr(db: Path, workshop_id: str, role: str, link: str) -> Path:
    """Write the QR code of a team's link as an SVG next to the database (atomically); return its path."""
    import segno

    from wecsim.outputs import write_file

    path = db.parent / f"{db.stem}-{workshop_id}-{role.replace(':', '_')}.svg"
    return write_file(
        path, lambda tmp: segno.make(link).save(str(tmp), kind="svg", scale=QR_SCALE), overwrite=False, option="QR code"
    )


def serve_cmd(
    db: DbOpt,
    host: Annotated[str, typer.Option("--host", help="Address to listen on (0.0.0.0: the room's network).")] = (
        "localhost"
    ),
    port: Annotated[int, typer.Option("--port", help="Port of the page.")] = 8765,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="Address the room opens (for the links the page shows).")
    ] = None,
    allow_new: Annotated[
        bool, typer.Option("--allow-new", help="Let the page start workshops in this file (the database is created).")
    ] = False,
) -> None:
    """Serve the workshop page (teams join by their links; the facilitator signs in with the key)."""
    import os
    import socket
    import sys

    from wecsim.app.pages.workshop import ALLOW_NEW_ENV, BASE_URL_ENV, DB_ENV
    from wecsim.outputs import refuse_special
    from wecsim.workshop.service import Workshops

    if allow_new:
        refuse_special(db, "--db", "file")
    Workshops(db, create=allow_new).close()  # a missing (unless --allow-new) or foreign file is refused now
    shown = base_url or f"http://{socket.gethostname() if host == '0.0.0.0' else host}:{port}"
    env = {**os.environ, DB_ENV: str(db.resolve()), BASE_URL_ENV: shown, ALLOW_NEW_ENV: "1" if allow_new else "0"}
    cmd = [sys.executable, "-m", "solara", "run", "wecsim.app.pages.workshop", "--host", host, "--port", str(port)]
    sys.stdout.flush()
    sys.stderr.flush()
    # become the server (no parent left behind): a stop signal reaches it, and the port is free once it has exited
    os.execve(sys.executable, [*cmd, "--production", "--no-open", "--no-check-version"], env)


def roles_cmd() -> None:
    """List the roles a workshop may put in play, and the decision each submits."""
    from wecsim.cli import console
    from wecsim.workshop.roles import all_roles
    from wecsim.workshop.shown import role_label

    for role in all_roles().values():
        console.print(f"{role.role_id:28} {role_label(role):55} {role.form}", highlight=False, soft_wrap=True)


def events_cmd() -> None:
    """List the events a facilitator may inject."""
    from wecsim.cli import console
    from wecsim.workshop.events import EVENTS

    for e in EVENTS.values():
        console.print(f"{e.event_id:20} {_(e.label)}", highlight=False)


def status_cmd(db: DbOpt, key: KeyOpt, workshop: WorkshopOpt = None) -> None:
    """Show the rounds, who has submitted, the events and the refused attempts."""
    ws, wid = _open(db, workshop)
    try:
        _print_json(ws.status(wid, key))
    finally:
        ws.close()


def open_cmd(
    db: DbOpt,
    key: KeyOpt,
    workshop: WorkshopOpt = None,
    minutes: Annotated[float | None, typer.Option("--minutes", help="Close submissions after this long.")] = None,
) -> None:
    """Open the current round to the teams' decisions."""
    ws, wid = _open(db, workshop)
    try:
        _print_json(ws.open_round(wid, key, minutes))
    finally:
        ws.close()


def extend_cmd(
    db: DbOpt,
    key: KeyOpt,
    minutes: Annotated[float, typer.Option("--minutes", help="Minutes to add.")],
    workshop: WorkshopOpt = None,
) -> None:
    """Give the open round more time."""
    ws, wid = _open(db, workshop)
    try:
        _print_json(ws.extend(wid, key, minutes))
    finally:
        ws.close()


def lock_cmd(db: DbOpt, key: KeyOpt, workshop: WorkshopOpt = None) -> None:
    """Close the current round to decisions."""
    ws, wid = _open(db, workshop)
    try:
        _print_json(ws.lock(wid, key))
    finally:
        ws.close()


def advance_cmd(db: DbOpt, key: KeyOpt, workshop: WorkshopOpt = None) -> None:
    """Run the current round's years for everyone and show the national indicators of its last year."""
    from wecsim.workshop.replay import HEADLINE

    ws, wid = _open(db, workshop)
    try:
        outcome = ws.advance(wid, key)
    finally:
        ws.close()
    last = outcome["national"][-1]
    _print_json({"year": last["year"], **{k: last[k] for k in HEADLINE}})


def inject_cmd(
    event: Annotated[str, typer.Argument(help="Event id (see `wecsim workshop events`).")],
    db: DbOpt,
    key: KeyOpt,
    year: Annotated[int | None, typer.Option("--year", help="Year it strikes (default: the next that may).")] = None,
    workshop: WorkshopOpt = None,
) -> None:
    """Inject an event into a year still to play."""
    ws, wid = _open(db, workshop)
    try:
        inj = ws.inject(wid, key, event, year)
    finally:
        ws.close()
    _print_json({"event": inj.event_id, "year": inj.year})


def submit_cmd(
    role: Annotated[str, typer.Argument(help="The team's role, e.g. funder:ebrd.")],
    decision: Annotated[str, typer.Argument(help="The decision as JSON (see `wecsim workshop roles`).")],
    db: DbOpt,
    code: Annotated[str, typer.Option("--code", envvar="WECSIM_TEAM_CODE", help="The team's join code.")],
    workshop: WorkshopOpt = None,
) -> None:
    """Submit a team's decision for the open round (for teams playing on paper, entered by a helper)."""
    ws, wid = _open(db, workshop)
    try:
        decision_id = ws.submit(wid, code, role, decision)
    finally:
        ws.close()
    _print_json({"decision_id": decision_id, "role": role})


def replay_cmd(db: DbOpt, key: KeyOpt, workshop: WorkshopOpt = None) -> None:
    """Re-run every round played from the stored decisions; exit 1 if any number differs."""
    from wecsim.cli import console

    ws, wid = _open(db, workshop)
    try:
        same = ws.replay(wid, key)
    finally:
        ws.close()
    console.print(_("replay: identical") if same else "[red]" + _("replay: the numbers differ") + "[/]")
    if not same:
        raise typer.Exit(code=1)


def export_cmd(
    db: DbOpt,
    key: KeyOpt,
    out: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
    workshop: WorkshopOpt = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing file.")] = False,
) -> None:
    """Write every submitted decision as CSV (the counting one of each team and round marked)."""
    from wecsim.cli import console
    from wecsim.outputs import write_file

    ws, wid = _open(db, workshop)
    try:
        rows = ws.decision_rows(wid, key)
    finally:
        ws.close()
    columns = ["workshop_id", "round", "first_year", "last_year", "role", "submitted_utc", "counts", "payload_json"]

    def write(tmp: Path) -> None:
        with tmp.open("w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
            w.writeheader()
            w.writerows(rows)

    path = write_file(out, write, overwrite=overwrite, option="--out")
    console.print(_("{n} decisions written to {path}").format(n=len(rows), path=path), highlight=False)


def report_cmd(
    db_arg: Annotated[Path | None, typer.Argument(metavar="DB", help="The workshop database (or --db).")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="A new (or empty) folder for the report.")] = None,
    key: KeyOpt = "",
    db: Annotated[Path | None, typer.Option("--db", help="The workshop database.")] = None,
    workshop: WorkshopOpt = None,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help="The report's language: en, ru or kk (default: the command's; the decisions CSV stays as stored).",
        ),
    ] = None,
) -> None:
    """Write the debrief: report.html, report.pdf and decisions.csv (against the same run without the teams)."""
    from wecsim.cli import console
    from wecsim.i18n import LANGUAGES, current_language, use_language
    from wecsim.outputs import write_folder
    from wecsim.workshop.errors import WorkshopError
    from wecsim.workshop.report import REPORT_FILES, write_report

    path = _one_db(db_arg, db)
    if out is None:
        raise WorkshopError(_("--out: name a new (or empty) folder for the report, e.g. -o debrief"))
    lang = lang or current_language()
    if lang not in LANGUAGES:
        raise WorkshopError(
            _("--lang {lang!r}: expected one of {languages}").format(lang=lang, languages=", ".join(LANGUAGES))
        )
    ws, wid = _open(path, workshop)
    try:
        with use_language(lang):  # the decisions' plain words are written as the board is made
            board, rows = ws.debrief(wid, key), ws.decision_rows(wid, key)
    finally:
        ws.close()
    with use_language(lang):
        folder = write_folder(out, lambda tmp: write_report(board, rows, tmp), REPORT_FILES, overwrite=False)
    with use_language(lang):
        done = _("debrief of workshop {workshop} ({played} of {rounds} rounds played) written to {folder}: {files}")
        files = ", ".join(sorted(REPORT_FILES))
        console.print(
            done.format(workshop=wid, played=board["played"], rounds=board["rounds"], folder=folder, files=files),
            highlight=False,
            soft_wrap=True,
        )


def _one_db(db_arg: Path | None, db: Path | None) -> Path:
    from wecsim.workshop.errors import WorkshopError

    if db_arg is not None and db is not None and db_arg != db:
        raise WorkshopError(_("DB {arg} and --db {db}: name the database once").format(arg=db_arg, db=db))
    if db_arg is None and db is None:
        raise WorkshopError(_("DB: name the workshop database (wecsim workshop report FILE -o FOLDER)"))
    return db_arg or db  # type: ignore[return-value]


def lessons_cmd(
    db: DbOpt,
    key: KeyOpt,
    text: Annotated[str | None, typer.Argument(help="The lesson to note (none: list the lessons).")] = None,
    round_no: Annotated[int | None, typer.Option("--round", help="The round it is about (optional).")] = None,
    workshop: WorkshopOpt = None,
) -> None:
    """Note a lesson for the debrief report, or list the lessons noted so far."""
    ws, wid = _open(db, workshop)
    try:
        if text is not None:
            ws.add_lesson(wid, key, text, round_no)
        _print_json(ws.lessons(wid, key))
    finally:
        ws.close()


def projector_cmd(
    db: DbOpt,
    key: KeyOpt,
    workshop: WorkshopOpt = None,
    base_url: Annotated[str, typer.Option("--base-url", help="Address of the workshop page.")] = DEFAULT_BASE_URL,
) -> None:
    """Issue a new projector code (the old one stops working) and print the projector's link."""
    from wecsim.cli import console

    ws, wid = _open(db, workshop)
    try:
        code = ws.new_projector_code(wid, key)
    finally:
        ws.close()
    console.print(
        _("projector: {link}").format(link=projector_link(base_url, wid, code)), highlight=False, soft_wrap=True
    )


def team_link(base_url: str, workshop_id: str, code: str) -> str:
    """Return a team's join link."""
    from urllib.parse import urlencode

    return f"{base_url.rstrip('/')}/?{urlencode({'w': workshop_id, 'code': code})}"


def projector_link(base_url: str, workshop_id: str, code: str) -> str:
    """Return the projector's read-only link (its own code: no team's powers, no facilitator's)."""
    from urllib.parse import urlencode

    return f"{base_url.rstrip('/')}/?{urlencode({'w': workshop_id, 'projector': code})}"


def audit_cmd(db: DbOpt, key: KeyOpt, workshop: WorkshopOpt = None) -> None:
    """Show the refused attempts (wrong key, another team's role, another workshop's code, closed rounds)."""
    ws, wid = _open(db, workshop)
    try:
        _print_json(ws.audit(wid, key))
    finally:
        ws.close()


_COMMANDS = (
    ("new", new_cmd),
    ("roles", roles_cmd),
    ("events", events_cmd),
    ("status", status_cmd),
    ("open", open_cmd),
    ("extend", extend_cmd),
    ("lock", lock_cmd),
    ("inject", inject_cmd),
    ("submit", submit_cmd),
    ("advance", advance_cmd),
    ("replay", replay_cmd),
    ("export", export_cmd),
    ("audit", audit_cmd),
    ("report", report_cmd),
    ("lessons", lessons_cmd),
    ("projector", projector_cmd),
    ("serve", serve_cmd),
)
