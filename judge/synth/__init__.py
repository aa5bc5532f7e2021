"""Evaluation data from ground truths: a question writer, AST generators, and the pipeline that joins them."""
