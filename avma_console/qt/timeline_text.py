"""Words for the timeline's marks and periods: changes, operator actions, state bands (translatable)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from avma_console.domain.states import ActivationState, StateTone
from avma_console.qt import theme
from avma_console.qt.text import local_time, translator
from avma_console.services.history_access import AuditEntry, Transition
from avma_console.services.vm_timeline import StateBand

_tr = translator("Timeline")


def noop(context: str, text: str) -> str:
    """Marks a string for lupdate (like QT_TRANSLATE_NOOP) and keeps its type a str."""
    return text


_ACTION_LABELS = {
    "push_key": noop("Timeline", "Key pushed"),
    "enable_kvp": noop("Timeline", "Data Exchange enabled"),
    "kvp_cleanup": noop("Timeline", "KVP items cleaned up"),
}
RESULT_TONES = {
    "succeeded": StateTone.GOOD,
    "unchanged": StateTone.OTHER,
    "failed": StateTone.ERROR,
    "refused": StateTone.WARNING,
    "cancelled": StateTone.NEUTRAL,
}


def state_text(value: str | None) -> str:
    if value is None:
        return _tr("not seen")
    try:
        return theme.state_label(ActivationState(value))
    except ValueError:
        return value


def change_label(change: Transition) -> str:
    """Short words for a change marker: what changed, and to what."""
    if change.appeared:
        return _tr("appeared on {host}").format(host=change.to_host or "?")
    if change.vanished:
        return _tr("gone from {host}").format(host=change.from_host or "?")
    parts = []
    if change.state_changed:
        parts.append(f"→ {state_text(change.to_state)}")
    if change.moved:
        parts.append(_tr("moved to {host}").format(host=change.to_host or "?"))
    if change.key_changed:
        parts.append(_tr("key {key}").format(key=_key_text(change.to_key_channel, change.to_partial_key)))
    return " · ".join(parts) or _tr("changed")


def change_details(change: Transition) -> str:
    lines = [local_time(change.at) + "  ·  " + _tr("change seen by a scan")]
    if change.appeared:
        lines.append(
            _tr("Appeared on {host} as {state}").format(host=change.to_host, state=state_text(change.to_state))
        )
    elif change.vanished:
        lines.append(
            _tr("No longer on {host} (last {state})").format(host=change.from_host, state=state_text(change.from_state))
        )
    else:
        if change.state_changed:
            lines.append(
                _tr("State: {before} → {after}").format(
                    before=state_text(change.from_state), after=state_text(change.to_state)
                )
            )
        if change.moved:
            lines.append(_tr("Host: {before} → {after}").format(before=change.from_host, after=change.to_host))
        if change.key_changed:
            lines.append(
                _tr("Key: {before} → {after}").format(
                    before=_key_text(change.from_key_channel, change.from_partial_key),
                    after=_key_text(change.to_key_channel, change.to_partial_key),
                )
            )
    lines.append(_tr("VM: {name}").format(name=change.vm_name))
    return "\n".join(lines)


def _key_text(channel: str | None, partial: str | None) -> str:
    if channel is None and partial is None:
        return "?"
    return f"{channel or '?'} …{partial}" if partial else (channel or "?")


def action_label(entry: AuditEntry) -> str:
    label = _ACTION_LABELS.get(entry.action)
    action = QCoreApplication.translate("Timeline", label) if label else entry.action
    return f"{action} · {entry.result}"


def action_details(entry: AuditEntry) -> str:
    lines = [
        local_time(entry.at) + "  ·  " + _tr("operator action"),
        action_label(entry),
        _tr("By: {who}").format(who=entry.who),
    ]
    if entry.target_host:
        lines.append(_tr("Host: {host}").format(host=entry.target_host))
    if entry.key_last5:
        lines.append(_tr("Key: …{last5}").format(last5=entry.key_last5))
    if entry.error:
        lines.append(_tr("Error: {error}").format(error=entry.error))
    return "\n".join(lines)


def band_details(band: StateBand) -> str:
    lines = [
        state_text(band.state),
        _tr("From {start} (first seen) to {end}").format(start=local_time(band.start), end=local_time(band.end)),
        _tr("Last seen {last} on {host}; {scans} scan(s)").format(
            last=local_time(band.last_seen), host=band.host, scans=band.scans
        ),
    ]
    return "\n".join(lines)
