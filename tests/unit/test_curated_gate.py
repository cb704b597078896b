"""A curated file that breaks a rule the parser checks is refused, naming the row (the rules
checked in the warehouse: tests/integration/test_curated_gate.py)."""

import pytest
from helpers import edited

from ingest.errors import ParseError
from ingest.registry import parse_file


def parse_projects(path):
    return parse_file("projects", path)



def test_dangling_company_reference(tmp_path):
    p = edited(tmp_path, "projects.yml", "company_id: tau_ken_samruk\n  stake_pct: 30", "company_id: samruk_typo\n  stake_pct: 30")
    with pytest.raises(ParseError, match=r"stakes\[1\].*samruk_typo"):
        parse_projects(p)
