"""The frame handed to GX (the gate's rules on the real USGS files: tests/integration/test_gate.py)."""

import polars as pl


def test_frame_handed_to_gx_keeps_every_value_and_null():
    """Categoricals are handed to GX built from their codes: the values, the nulls and the
    dtypes must be what polars' own conversion gives, whatever other strings the process
    has cast to Categorical before (the category list is shared)."""
    from warehouse.validate import to_pandas

    pl.Series(["seen before", "ZZZ"]).cast(pl.Categorical)
    frame = pl.DataFrame({
        "iso3": ["CHN", None, "RWA", "CHN", "ZZZ"],
        "year": pl.Series([2022, 2023, None, 2024, 2025], dtype=pl.Int32),
        "value": [1.5, None, 3.0, 0.0, 2.0],
        "flag": [True, False, None, True, False],
    }).with_columns(pl.col("iso3").cast(pl.Categorical))
    ours, theirs = to_pandas(frame), frame.with_columns(pl.col("year").cast(pl.Int64)).to_pandas()
    assert list(ours.dtypes.astype(str)) == list(theirs.dtypes.astype(str)) == ["category", "float64", "float64", "object"]
    assert ours["iso3"].astype(object).tolist() == theirs["iso3"].astype(object).tolist()
    assert ours["iso3"].isna().tolist() == [False, True, False, False, False]
    assert ours["iso3"].isin(["CHN", "RWA"]).tolist() == [True, False, True, True, False]
    for col in ("year", "value", "flag"):
        assert ours[col].equals(theirs[col])
