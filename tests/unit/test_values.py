import pytest

from ingest.values import parse_cell


@pytest.mark.parametrize(
    "cell, value, qualifier, estimate",
    [
        ("1,600", 1600.0, None, False),
        ("67000", 67000.0, None, False),
        (">4,700,000", 4700000.0, "greater_than", False),
        (">50", 50.0, "greater_than", False),
        ("<0.5", 0.5, "less_than", False),
        ("W", None, "withheld", False),
        ("NA", None, "not_available", False),
        ("—", 0.0, "zero", False),
        ("-----", 0.0, "zero", False),
        ("0", 0.0, "zero", False),
        ("1,200e", 1200.0, "estimated", True),
        (" 3,400 ", 3400.0, None, False),
        ("12.5", 12.5, None, False),
        ("-34", -34.0, None, False),
    ],
)
def test_published_cells(cell, value, qualifier, estimate):
    parsed = parse_cell(cell)
    assert parsed.value == value
    assert parsed.qualifier == qualifier
    assert parsed.is_estimate == estimate


def test_empty_cell_is_no_figure():
    assert parse_cell("") is None
    assert parse_cell("   ") is None
    assert parse_cell(None) is None


@pytest.mark.parametrize("cell", ["about 5", "1,60", "12 000", "n.d.x", "1.2.3", "five"])
def test_text_is_refused(cell):
    with pytest.raises(ValueError, match="not a figure"):
        parse_cell(cell)


def test_nan_and_infinity_are_not_figures():
    """'NaN' is what a program writes for a number it failed to compute, not a publisher's 'not
    available'; an infinity is no figure either: both are refused, never read as missing."""
    import pytest

    from ingest.values import parse_cell

    for text in ("NaN", "nan", "inf", "-inf", "Infinity"):
        with pytest.raises(ValueError, match="not a figure"):
            parse_cell(text)
    assert parse_cell("NA").qualifier == "not_available"
