"""The one CSV writer (SPEC §4): every CSV the project serves or stores is made here.

* Formula injection (OWASP "CSV Injection"): a text cell that a spreadsheet would read as a formula
  (beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, also after leading spaces)
  is prefixed with ``'``, so it is shown as the text it is. A community named
  ``=HYPERLINK("http://x","y")`` is a name, not a link.
* Numbers written as numbers (``int``, ``float``, ``Decimal``; not ``bool``) are not text cells:
  ``-3`` stays ``-3`` so that the spreadsheet still reads a number. Only text is neutralised.
* UTF-8 with a byte-order mark, so that spreadsheets read accents ("Genève").

``csv_bytes`` is canonical: the same header and rows give the same bytes, which is what is served
and what a checksum of a CSV (the disposition certificate's) is computed over.
"""
import csv
import io
from decimal import Decimal

from django.http import HttpResponse

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value) -> str:
    """One cell's text: empty for None, numbers (and dates, which begin with a digit) as they are,
    text neutralised."""
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    if text.lstrip(" ").startswith(FORMULA_STARTS) or text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_bytes(header, rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([cell(h) for h in header])
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return (BOM + out.getvalue()).encode("utf-8")


def csv_response(filename, header, rows) -> HttpResponse:
    response = HttpResponse(csv_bytes(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
