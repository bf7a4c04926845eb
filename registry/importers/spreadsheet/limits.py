"""The bounds of an import file (see the package docstring)."""

from __future__ import annotations

#: Largest number of data rows one file may hold.
MAX_ROWS = 5000
#: Lines read at most (headers, title rows and blank lines included) before a file is
#: refused unread: blank lines are skipped, but not without bound.
MAX_RECORDS = 2 * MAX_ROWS + 1
#: Largest file an import reads (the API refuses larger uploads with the same bound).
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
#: Last column read (``AMJ``); a cell beyond it refuses the file.
MAX_COLUMNS = 1024
#: Longest cell, in characters: Excel's own limit.
MAX_CELL_CHARS = 32_767
#: Longest CSV line (a record, its quoted line breaks included), in characters.
MAX_LINE_CHARS = 1024 * 1024
#: Rows searched for the header row (title rows above it are the usual layout).
HEADER_SCAN_ROWS = 20
#: Problems reported at most for one file (then how many more).
MAX_PROBLEMS = 200
