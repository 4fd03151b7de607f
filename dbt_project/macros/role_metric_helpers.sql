{#- One SDR breakdown of response rates: per rep and month, a list of
    {key, touches, responses, rate, benchmark} ordered by the key; the rate is null under the
    minimum sample, the benchmark the median rate of the month's SDRs for the same key. -#}
{% macro response_rates(key, key_value, minimum, list_name) %}
    select
        rep_id,
        month_start,
        list(struct_pack(
            {{ key }} := {{ key_value }},
            touches := cast(touches as bigint),
            responses := cast(responses as bigint),
            rate := rate,
            benchmark := benchmark
        ) order by {{ key }}) as {{ list_name }}
    from (
        select *, median(rate) over (partition by month_start, {{ key }}) as benchmark
        from (
            select
                rep_id,
                month_start,
                {{ key }},
                count(*) as touches,
                count(*) filter (where is_response) as responses,
                case when count(*) >= {{ minimum }}
                    then cast(count(*) filter (where is_response) as double) / count(*) end as rate
            from activities
            where is_touch and {{ key }} is not null
            group by rep_id, month_start, {{ key }}
        ) as counted
    ) as benchmarked
    group by rep_id, month_start
{% endmacro %}
