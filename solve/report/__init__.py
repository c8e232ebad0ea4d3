"""report.html and its charts, one page per kind of results folder."""
