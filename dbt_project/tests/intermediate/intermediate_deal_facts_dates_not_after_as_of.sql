{{ config(meta={'dagster': {'ref': {'name': 'int_deal_facts'}}}) }}
-- Nothing dated after as_of reaches the deal facts: created, first meeting and last touch
-- dates are all on or before as_of, and the first meeting is not after the last touch.
select deals.opportunity_id, deals.created_date, deals.first_meeting_date, deals.last_touch_date
from {{ ref('int_deal_facts') }} as deals
cross join {{ ref('int_as_of') }} as as_of
where deals.created_date > as_of.as_of
   or deals.first_meeting_date > as_of.as_of
   or deals.last_touch_date > as_of.as_of
   or deals.first_meeting_date > deals.last_touch_date
