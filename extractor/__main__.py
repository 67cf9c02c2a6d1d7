"""`python -m extractor ...`: the same command line as `extractor ...`."""

from extractor.cli.app import app

app(prog_name="extractor")
