-- Every conversion rate to the corporate currency, with the range of days it holds and its
-- precedence, Salesforce's way: a dated rate (DatedConversionRate) whose
-- [valid_from, valid_until) holds the day wins; else the currency's static CurrencyType
-- rate; the corporate currency itself is always 1. Look a rate up with
-- `iso_code = ... and day >= valid_from and day < valid_until`, keeping the lowest
-- precedence. A code with no row here is unknown: its amounts have no corporate value.
with corporate as (
    select corporate_iso_code from {{ ref('int_corporate_currency') }}
)

select corporate_iso_code as iso_code, cast(1 as decimal(18, 6)) as conversion_rate,
       date '0001-01-01' as valid_from, date '9999-12-31' as valid_until,
       'corporate' as rate_source, 0 as precedence
from corporate

union all

select rates.iso_code, rates.conversion_rate,
       rates.start_date, coalesce(rates.next_start_date, date '9999-12-31'),
       'dated', 1
from {{ ref('stg_salesforce__dated_conversion_rates') }} as rates, corporate
where rates.iso_code <> corporate.corporate_iso_code

union all

select types.iso_code, types.conversion_rate,
       date '0001-01-01', date '9999-12-31',
       'static', 2
from {{ ref('stg_salesforce__currency_types') }} as types, corporate
where types.iso_code <> corporate.corporate_iso_code
