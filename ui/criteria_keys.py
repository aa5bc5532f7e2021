"""Rating every criterion of a pair with the keys, in the browser: one message with all the scores and the note.

A server round trip per key cannot keep up with typing: a key pressed before the page redrew the next
criterion went to the one before, or to no button at all, and the keys after it landed one criterion off. So
the keys are read here, in the page: each score key rates the criterion marked, the marks move on at once, and
when every criterion has a score the scores and the note go to the server together, bound to the showing
(token) and pair they were given for. After that, and for a reaction time after a new pair appears, the score
keys do nothing (a key pressed before a pair could be seen was not meant for it), and the page says so.
Everything shown comes from the data as text (``textContent``), never as markup.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from judge import annotation
from judge.desk import Desk, Screen
from storage.pairs import Pair
from ui.resources import read

__all__ = ["criteria_keys"]

REACTION_MS = 250  # a key sooner than this after a pair appears was pressed before it could be seen

_CSS = """
.ck-row {display: flex; align-items: center; gap: 0.5rem; padding: 0.45rem 0.6rem; margin-bottom: 0.35rem;
  border: 2px solid transparent; border-radius: 0.5rem;}
.ck-row.ck-active {border-color: var(--st-primary-color);}
.ck-name {flex: 0 0 11rem; font-weight: 600; overflow-wrap: anywhere;}
.ck-hint {display: block; font-weight: 400; font-size: 0.8rem; color: var(--st-primary-color);}
.ck-points {display: flex; flex: 1; gap: 0.4rem; flex-wrap: wrap;}
.ck-points button {flex: 1 1 6rem; padding: 0.4rem 0.5rem; border-radius: 0.5rem; cursor: pointer;
  border: 1px solid rgba(49, 51, 63, 0.2); background: var(--st-background-color); color: var(--st-text-color);
  font-family: var(--st-font); font-size: 0.9rem;}
.ck-points button.ck-chosen {background: var(--st-primary-color); color: white; border-color: var(--st-primary-color);}
.ck-note {width: 100%; box-sizing: border-box; margin: 0.3rem 0; padding: 0.5rem 0.7rem; border-radius: 0.5rem;
  border: 1px solid rgba(49, 51, 63, 0.2); font-family: var(--st-font); font-size: 0.9rem;}
.ck-bar {display: flex; gap: 0.6rem; align-items: center;}
.ck-save {padding: 0.4rem 0.9rem; border-radius: 0.5rem; cursor: pointer; border: 1px solid var(--st-primary-color);
  background: var(--st-primary-color); color: white; font-family: var(--st-font);}
.ck-save[disabled] {opacity: 0.45; cursor: default;}
.ck-notice {font-size: 0.85rem; color: #9a6700;}
"""

_JS = """
export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const root = parentElement;
  const criteria = data.criteria;
  // what was typed for this showing survives the component being drawn again (a rerun of the page)
  const kept = (window.__criteriaKeys = window.__criteriaKeys || {});
  const fresh = !kept[data.showing];  // this showing of the pair: a pair shown again later starts afresh
  const mine = (kept[data.showing] = kept[data.showing] ||
    { chosen: Object.assign({}, data.initial || {}), answered: new Set(), mounted: performance.now(), sent: false,
      note: data.note || "", refusals: 0 });
  if (data.refusals > mine.refusals) {  // the server refused what was sent (it says why): it may be sent again
    mine.refusals = data.refusals;
    mine.sent = false;
  }
  const chosen = mine.chosen;
  const answered = mine.answered;
  const mounted = mine.mounted;
  const doc = root.ownerDocument || document;
  const make = (tag, cls, text) => {
    const el = doc.createElement(tag);
    if (cls) el.className = cls;
    if (text !== undefined) el.textContent = text;
    return el;
  };
  root.textContent = "";
  const style = make("style", "", data.css);  // our own constant sheet, drawn with the component
  const box = make("div", "ck-box");
  root.append(style, box);
  const rows = criteria.map((c, index) => {
    const row = make("div", "ck-row");
    row.dataset.criterion = String(index);
    const name = make("div", "ck-name", c.name);
    const hint = make("span", "ck-hint", "");
    name.appendChild(hint);
    const points = make("div", "ck-points");
    const buttons = {};
    for (const p of c.points) {
      const label = p.label === String(p.point) ? String(p.point) : p.point + " · " + p.label;
      const button = make("button", "", p.key === String(p.point) ? label : label + " (key " + p.key + ")");
      button.type = "button";
      button.title = p.meaning;
      button.setAttribute("data-score", String(p.point));
      button.addEventListener("click", () => { choose(index, p.point, false); });
      buttons[p.point] = button;
      points.appendChild(button);
    }
    row.append(name, points);
    box.appendChild(row);
    return { row, hint, buttons };
  });
  const note = make("input", "ck-note");
  note.type = "text";
  note.placeholder = "Note (optional): what is wrong, or why it is fine. Enter leaves the note.";
  note.value = mine.note;
  note.addEventListener("input", () => { mine.note = note.value; });
  note.setAttribute("aria-label", "Note");
  box.appendChild(note);
  const bar = make("div", "ck-bar");
  const save = make("button", "ck-save", data.editing ? "Save these scores (Enter)" : "Save (Enter)");
  save.type = "button";
  const notice = make("span", "ck-notice", "");
  bar.append(save, notice);
  box.appendChild(bar);

  const active = () => {
    for (let i = 0; i < criteria.length; i++) if (!answered.has(i)) return i;
    return -1;
  };
  const complete = () => criteria.every((c) => chosen[c.name] !== undefined && chosen[c.name] !== null);
  const draw = () => {
    const now = active();
    rows.forEach((r, i) => {
      r.row.classList.toggle("ck-active", i === now && !mine.sent);
      r.hint.textContent = i === now && !mine.sent ? "keys " + criteria[i].keys_words + " rate this" : "";
      for (const [point, button] of Object.entries(r.buttons)) {
        button.classList.toggle("ck-chosen", chosen[criteria[i].name] === Number(point));
      }
    });
    save.disabled = mine.sent || !complete();
  };
  const send = () => {
    if (mine.sent || !complete()) return;
    mine.sent = true;
    const scores = {};
    for (const c of criteria) scores[c.name] = chosen[c.name];
    setTriggerValue("rating", { token: data.token, pair: data.pair, scores: scores, note: note.value });
    notice.textContent = "Saving…";
    draw();
  };
  const choose = (index, point, byKey) => {
    if (mine.sent) return;
    chosen[criteria[index].name] = point;
    answered.add(index);
    notice.textContent = "";
    draw();
    if (byKey && active() === -1) send();  // the last key saves; a click leaves room to change another
  };
  save.addEventListener("click", send);
  note.addEventListener("keydown", (event) => {
    if (event.key === "Enter") { event.preventDefault(); event.stopPropagation(); note.blur(); }
  });
  const editable = (t) => t && t.closest && t.closest("input, textarea, select, [contenteditable]");
  const onKey = (event) => {
    if (!box.isConnected) {  // drawn over by a newer showing: this one no longer listens
      window.removeEventListener("keydown", onKey, true);
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || editable(event.target)) return;
    if (event.key === "Enter") {
      if (complete() && !mine.sent) { event.preventDefault(); event.stopImmediatePropagation(); send(); }
      return;
    }
    if (!/^[0-9]$/.test(event.key)) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    if (event.repeat) return;
    const early = performance.now() - mounted < data.reaction_ms;
    if (mine.sent) window.__criteriaKeysLate = (window.__criteriaKeysLate || 0) + 1;
    if (mine.sent || early) {
      notice.textContent = mine.sent ? "Saving: the keys rate the next pair once it is shown."
                                : "A key pressed before this pair appeared was not used.";
      return;
    }
    const index = active();
    if (index < 0) return;
    const point = criteria[index].keys[event.key];
    if (point === undefined) {
      notice.textContent = "Key " + event.key + " is not a score of " + criteria[index].name + " (" +
        criteria[index].keys_words + ").";
      return;
    }
    choose(index, point, true);
  };
  window.addEventListener("keydown", onKey, true);
  if (fresh && window.__criteriaKeysLate) {  // keys typed on while the last pair was being saved
    notice.textContent = window.__criteriaKeysLate === 1
      ? "A key pressed before this pair appeared was not used."
      : window.__criteriaKeysLate + " keys pressed before this pair appeared were not used.";
    window.__criteriaKeysLate = 0;
  }
  draw();
  return () => { window.removeEventListener("keydown", onKey, true); };
}
"""

_COMPONENT: Callable[..., Any] | None = None


def _component() -> Callable[..., Any]:
    global _COMPONENT  # noqa: PLW0603 - registered once per process, as Streamlit asks
    if _COMPONENT is None:
        _COMPONENT = st.components.v2.component("judge_criteria_keys", html="<div></div>", js=_JS,
                                                isolate_styles=False)  # fmt: skip
    return _COMPONENT


def criteria_keys(desk: Desk, screen: Screen, pair: Pair, dataset: int) -> str:
    """Draw the criteria of the pair on screen with their score buttons and the note; the scores reach
    ``desk.rate`` together. Returns what the keys do, in words."""
    criteria = []
    for criterion in screen.criteria:
        scale = read(annotation.scale_of_dataset, pair.dataset, criterion)
        lines = read(annotation.rubric_lines, pair.dataset, criterion)
        criteria.append({
            "name": criterion, "keys_words": scale.keys_words(),
            "keys": {scale.key(p): p for p in scale.points},
            "points": [{"point": p, "key": scale.key(p), "label": lines[p][0], "meaning": lines[p][1]}
                       for p in sorted(lines)],
        })  # fmt: skip
    key = f"criteria-{screen.token}"

    def rated() -> None:
        value = st.session_state.get(key)
        given = value.get("rating") if isinstance(value, dict) else getattr(value, "rating", None)
        if isinstance(given, dict):
            desk.rate(pair.id, dataset, screen.token, given)

    _component()(
        key=key, on_rating_change=rated,
        data={"token": screen.token, "showing": f"{screen.token}:{st.session_state.get('shown_at', 0)}",
              "pair": pair.id, "criteria": criteria, "initial": screen.scores,
              "editing": screen.editing, "note": st.session_state.get(screen.note_key, ""),
              "refusals": int(st.session_state.get(f"refused-{screen.token}", 0)),
              "reaction_ms": REACTION_MS, "css": _CSS},
    )  # fmt: skip
    return ("The score keys rate the criterion in the box, then the next; the last one saves every score and "
            "goes to the next pair. Click a button to choose or change any criterion's score, then Save (or "
            "Enter). Type a note first if you like: Enter leaves the note.")  # fmt: skip
