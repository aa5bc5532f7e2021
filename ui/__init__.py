"""Streamlit helpers shared by the pages: cached resources and pair rendering."""
