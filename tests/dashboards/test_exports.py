from __future__ import annotations

import csv
import io

from metrics.exports import Table, csv_response, csv_text, safe_cell


def test_formula_cells_are_neutralised_even_after_leading_spaces():
    for value in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "\x00x", "   =cmd|' /C calc'!A0"]:
        assert safe_cell(value) == "'" + value


def test_numbers_stay_numbers_and_plain_text_is_untouched():
    assert safe_cell(-4.2) == -4.2
    assert safe_cell(7) == 7
    assert safe_cell("Checkout page") == "Checkout page"
    assert safe_cell(None) == ""


def test_joined_lists_are_checked_as_one_cell():
    assert safe_cell(["=HYPERLINK(1)", "ok"]) == "'=HYPERLINK(1); ok"


def test_csv_reads_back_intact():
    text = csv_text(["a", "b"], [["=x", -4.2], ['quote " and, comma', 3]])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["a", "b"], ["'=x", "-4.2"], ['quote " and, comma', "3"]]


def test_response_is_a_csv_attachment():
    response = csv_response(Table(name="t", title="T", columns=["a"], rows=[[1]]), filename="x.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
