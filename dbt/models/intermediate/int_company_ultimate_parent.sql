-- Each company's ultimate parent: follow parent_company_id up to a company without a parent (a
-- company without a parent is its own). The bloc of a company is its ultimate parent's home and
-- ownership: a Kazakh subsidiary of a Chinese group sponsors for the Chinese group.
with recursive chain(company_id, ancestor_id, depth) as (
    select company_id, company_id, 0 from {{ ref('stg_companies') }}
    union all
    select ch.company_id, c.parent_company_id, ch.depth + 1
    from chain ch join {{ ref('stg_companies') }} c on c.company_id = ch.ancestor_id
    where c.parent_company_id is not null and ch.depth < 10
)
select ch.company_id, arg_max(ch.ancestor_id, ch.depth) as ultimate_parent_id
from chain ch group by ch.company_id
