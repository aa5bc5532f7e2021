"""Try the audience language: a definition as AST, English and canonical form; the diff of two."""

import json

import streamlit as st

from judge.audience import AudienceError, canonical, diff, parse, to_english, to_text
from ui.text import inert

EXAMPLE = "event('Shoes Bought').where(property('price') >= 100).within(7 days).count() >= 1"

st.title("Audience language")
left, right = st.columns(2)
first = left.text_area("Definition A", EXAMPLE, height=140)
second = right.text_area("Definition B (optional, to compare)", "", height=140)

definitions = []
for column, text, label in ((left, first, "A"), (right, second, "B")):
    if not text.strip():
        continue
    try:
        definition = parse(text)
    except AudienceError as e:
        column.error(f"Definition {label}: {inert(e)}")
        continue
    definitions.append(definition)
    column.markdown(f"**In English.** {inert(to_english(definition))}")
    column.code(to_text(canonical(definition)), language=None, wrap_lines=True)
    with column.expander("AST (JSON)"):
        st.code(json.dumps(definition.to_json(), indent=2), language="json")

if len(definitions) == 2:
    st.subheader("What B changes of A")
    changes = diff(*definitions)
    if not changes:
        st.success("No differences.")
    for change in changes:
        st.markdown(f"- {change.kind}: {inert(change.what)}")
        st.code(f"{change.before or ''}  ->  {change.after or ''}", language=None, wrap_lines=True)
