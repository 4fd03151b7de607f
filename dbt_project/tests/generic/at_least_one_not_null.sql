{#-
    at_least_one_not_null: every row has a value in at least one of the listed columns
    (e.g. an activity-log row names its rep by rep_id or by rep_email).

        models:
          - name: stg_activity__activities
            data_tests:
              - at_least_one_not_null:
                  arguments:
                    columns: [rep_id, rep_email]
-#}
{% test at_least_one_not_null(model, columns) %}

select *
from {{ model }}
where {% for column in columns %}{{ column }} is null{% if not loop.last %} and {% endif %}{% endfor %}
{% endtest %}
