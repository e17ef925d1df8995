{#- dbt's env_var for sqlfluff's jinja templater: lint the models as if the variable were unset. -#}
{% macro env_var(name, default='') -%}{{ default }}{%- endmacro %}
