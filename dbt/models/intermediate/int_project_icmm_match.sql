-- Link curated projects to ICMM sites in the same country by name. 'high': a project name or
-- alias equals a site name or group name; 'medium': a distinctive word (5+ letters, not one of
-- the generic words of the seed site_match_generic_words: upper, north, mine, mount...) matches a
-- site's word with Jaro-Winkler similarity >= 0.92. The best site per project is kept; a project
-- with no candidate stays unmatched (no row).
with names as (
    select project_id, country_iso3, unnest(list_concat([name], coalesce(string_split(aliases, ', '), []))) as pname
    from {{ ref('stg_projects') }}
),
sites as (
    select icmm_id, country_iso3, site_name, latitude, longitude, icmm_confidence,
           unnest(list_concat([site_name], coalesce(string_split(group_names, ';'), []))) as sname
    from {{ ref('stg_sites') }}
),
generic as (select lower(word) as w from {{ ref('site_match_generic_words') }}),
p_words as (
    select project_id, country_iso3, pname, unnest(regexp_split_to_array(lower(pname), '[^a-z]+')) as w from names
),
s_words as (
    select icmm_id, country_iso3, sname, unnest(regexp_split_to_array(lower(sname), '[^a-z]+')) as w from sites
),
candidates as (
    select n.project_id, s.icmm_id, 'high' as confidence, 1.0 as score,
           'name "' || n.pname || '" = ICMM "' || s.sname || '"' as evidence
    from names n join sites s on s.country_iso3 = n.country_iso3 and lower(trim(s.sname)) = lower(trim(n.pname))
    union all
    select p.project_id, s.icmm_id, 'medium', jaro_winkler_similarity(p.w, s.w),
           'word "' || p.w || '" of "' || p.pname || '" ~ "' || s.w || '" of ICMM "' || s.sname || '"'
    from p_words p join s_words s on s.country_iso3 = p.country_iso3
    where length(p.w) >= 5 and length(s.w) >= 5
      and p.w not in (select w from generic) and s.w not in (select w from generic)
      and jaro_winkler_similarity(p.w, s.w) >= 0.92
)
select c.project_id, c.icmm_id, c.confidence, round(c.score, 3) as score, c.evidence,
       s.site_name as icmm_site_name, s.latitude, s.longitude, s.icmm_confidence
from candidates c join {{ ref('stg_sites') }} s using (icmm_id)
qualify row_number() over (partition by c.project_id order by c.score desc, c.confidence, c.icmm_id) = 1
