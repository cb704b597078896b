-- meta.provenance: one row per place in a source file that raw.* holds figures from (a line of
-- a CSV, a row of a sheet or SQLite table, a record of a JSON file, an item of a curated YAML
-- file), with everything needed to cite it: the original file and its sha256, the edition,
-- DOI or URL, licence, dates published, accessed and loaded, and for curated rows the source
-- the curator cites. Created as a view in the serving file at publish (warehouse/publish.py).
--
-- Join a mart row to its sources, without duplicates:
--   JOIN meta.provenance p ON p.source_id = m.source_id AND p.vintage = m.vintage
--                         AND p.source_file = m.source_file AND p.source_line = m.source_line
-- (one row per (raw_table, source_id, vintage, source_file, source_line, source_item); a line
-- holding several figures, such as a USGS country row with production and reserves, is one row
-- whose source_columns lists them).
WITH rows AS (
    -- one arm per raw table, made from its schema by warehouse/provenance_view.py
{raw_rows}
),
places AS (
    SELECT raw_table, source_id, vintage, any_value(dataset) AS dataset, source_file, any_value(source_sha256) AS source_sha256,
           source_line, source_item, string_agg(DISTINCT source_column, ', ' ORDER BY source_column) AS source_columns,
           any_value(cited_source_ids) AS cited_source_ids, count(*) AS raw_rows, any_value(load_id) AS load_id
    FROM rows
    GROUP BY raw_table, source_id, vintage, source_file, source_line, source_item
),
cited AS (
    SELECT p.raw_table, p.source_id, p.vintage, p.source_file, p.source_line, p.source_item,
           string_agg(s.publisher || ': ' || s.title, '; ' ORDER BY c.pos) AS cited_titles,
           string_agg(s.url, '; ' ORDER BY c.pos) AS cited_urls,
           string_agg(s.licence, '; ' ORDER BY c.pos) AS cited_licences,
           string_agg(s.date_published, '; ' ORDER BY c.pos) AS cited_dates_published
    FROM places p,
         unnest(string_split(replace(p.cited_source_ids, ' ', ''), ',')) WITH ORDINALITY AS c(cited_id, pos)
    JOIN meta.sources s ON s.source_id = c.cited_id
    WHERE p.cited_source_ids IS NOT NULL
    GROUP BY ALL
)
SELECT p.raw_table, p.source_id, p.vintage, p.dataset, p.source_file, p.source_sha256, p.source_line, p.source_item,
       p.source_columns, p.raw_rows,
       f.file_name AS loaded_file, f.sha256 AS loaded_sha256, f.title, f.doi, f.url, f.licence,
       f.date_published, f.date_accessed, l.started_at AS loaded_at, p.load_id, f.origin,
       replace(p.cited_source_ids, ' ', '') AS cited_source_ids, c.cited_titles, c.cited_urls, c.cited_licences,
       c.cited_dates_published
FROM places p
LEFT JOIN meta.source_files f ON f.load_id = p.load_id AND f.raw_table = p.raw_table
LEFT JOIN meta.loads l ON l.load_id = p.load_id
LEFT JOIN cited c ON c.raw_table = p.raw_table AND c.source_id = p.source_id AND c.vintage = p.vintage
    AND c.source_file = p.source_file AND c.source_line IS NOT DISTINCT FROM p.source_line
    AND c.source_item IS NOT DISTINCT FROM p.source_item
