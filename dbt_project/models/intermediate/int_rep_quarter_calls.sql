-- One row per rep and fiscal quarter of int_fiscal_quarters with an External Gong call
-- (a customer conversation) on a call_date inside the quarter's window [quarter_start,
-- window_end = least(quarter_end, as_of)]: the call count and the host's mean interaction
-- stats. A mean skips the calls that do not report its stat. Calls whose host is no
-- Salesforce user (null rep_id) are left out.
with quarters as (
    select fiscal_quarter, quarter_start, window_end
    from {{ ref('int_fiscal_quarters') }}
)

select
    calls.rep_id,
    quarters.fiscal_quarter,
    count(*) as calls_count,
    avg(calls.talk_ratio) as avg_talk_ratio,
    avg(calls.questions_company_count) as avg_questions_per_call,
    avg(calls.longest_monologue_s) as avg_longest_monologue_s,
    avg(calls.patience_s) as avg_patience_s
from {{ ref('int_gong_calls') }} as calls
inner join quarters
    on calls.call_date between quarters.quarter_start and quarters.window_end
where calls.is_external
  and calls.rep_id is not null
group by calls.rep_id, quarters.fiscal_quarter
