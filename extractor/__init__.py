"""extractor: scraped government information-disclosure annual reports in, verified rows out."""

__version__ = "0.1.0"
