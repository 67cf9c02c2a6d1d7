"""Ingest: files, directories and globs in (`inputs`), decoded (`decode`), HTML rendered (`html`), `Document`s
out (`read`). A reader for a new format goes beside them and is chosen in `read.load`."""

from extractor.ingest.inputs import Rejected, enumerate_inputs
from extractor.ingest.read import from_text, load

__all__ = ["Rejected", "enumerate_inputs", "from_text", "load"]
