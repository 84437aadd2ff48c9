# Django's zh_Hans formats group digits by 10,000 with no separator
# (1250000.00); bank staff read amounts as 1,250,000.00. Everything else
# falls back to Django's own zh_Hans formats.
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
