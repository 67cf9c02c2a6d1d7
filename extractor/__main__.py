"""`python -m extractor ...`: the same command line as `extractor ...`."""

from .cli import app

app(prog_name="extractor")
