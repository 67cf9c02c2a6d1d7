"""The run database, and every SQL statement the extractor runs (the bottom layer: it imports only `core/`).

`db` opens and migrates it and keeps the model calls (`CallLog`); `results` the runs, reports, results and field
values (`Store`); `review` the review items and decisions; `evals` the saved eval runs; `shapes` the shapes of what
the store is given. Deciding what goes into the queue is `extractor.review`'s; scoring is `extractor.evaluation`'s.
"""
