"""A drop-down that shows names as people say them and keeps the code (id) behind each."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import solara
from solara.alias import rv

from wecsim.i18n import _


@solara.component
def NamedSelect(
    label: str,
    names: Mapping[str, str],
    value: str | None,
    on_value: Callable[[str], None],
    classes: list[str] | None = None,
    style: str = "",
    dense: bool = False,
) -> None:
    """Offer the codes of ``names`` under their names; the chosen code's name and code show on hover."""
    items = [{"text": text, "value": code} for code, text in names.items()]
    chosen = names.get(value, value) if value is not None else ""
    hover = (
        _("{name} (code: {code})").format(name=chosen, code=value)
        if value is not None and chosen != value
        else str(chosen or label)
    )
    rv.Select(
        label=label,
        items=items,
        v_model=value,
        on_v_model=lambda v: on_value(v) if v is not None else None,
        dense=dense,
        hide_details=True,
        class_=" ".join(classes or []),
        style_=style,
        attributes={"title": hover},
    )
