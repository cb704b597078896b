"""A reader of the lake in a process of its own (run by test_lake.py), configured by the
TUNGSTEN_LAKE_* environment like any user's:

  lake_reader.py at SNAPSHOT   one JSON line: the build id, Russia's 2024 USGS production in
                               marts.supply_share and marts.reserves' rows at that snapshot
  lake_reader.py loop STOPFILE  prints "ready", then reads the newest snapshot in a loop until
                               STOPFILE exists (or 300 s pass): one JSON line of every distinct
                               answer seen and every error
"""

import json
import sys
import time
from pathlib import Path

from warehouse.lake import config as lake_config
from warehouse.lake.connect import connect
from warehouse.paths import current

QUERY = ("SELECT (SELECT build_id FROM lake.meta.published), "
         "(SELECT production_t_w FROM lake.marts.supply_share WHERE source_id = 'usgs_mcs' "
         "AND country_iso3 = 'RUS' AND year = 2024), (SELECT count(*) FROM lake.marts.reserves)")


def main() -> None:
    cfg = lake_config.from_env(current().serving)
    if sys.argv[1] == "at":
        con = connect(cfg, read_only=True, snapshot=int(sys.argv[2]))
        print(json.dumps(list(con.execute(QUERY).fetchone())))
        return
    stop, seen, errors, queries = Path(sys.argv[2]), set(), [], 0
    con = connect(cfg, read_only=True)
    print("ready", flush=True)
    deadline = time.monotonic() + 300
    while not stop.exists() and time.monotonic() < deadline:
        try:
            seen.add(tuple(con.execute(QUERY).fetchone()))
            queries += 1
        except Exception as exc:  # every error is counted, none ends the loop
            errors.append(str(exc)[:300])
        time.sleep(0.05)  # pace: 20 readers share 2 cores with the publisher
    print(json.dumps({"seen": sorted(seen), "errors": errors, "queries": queries}), flush=True)


if __name__ == "__main__":
    main()
