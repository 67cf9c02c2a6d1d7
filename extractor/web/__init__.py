"""`extractor serve`: review the queue and explore the dataset in a browser (the optional `web` extra).

`app.create_app` builds the Starlette app; `routes_review` (queue, item, decisions) and `routes_data` (report,
dataset, eval) hold the pages, `data` what they show, `source` the source text cut around its evidence, `charts` the
inline SVG, `security` the Host/token/CSRF guard. Templates and the stylesheet are package data."""

MISSING = "the web app needs its extra: pip install 'extractor[web]'"
