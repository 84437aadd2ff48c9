"""INSERT many new model instances quickly, for imports and demo data only
(cases_import_with_history, the demo's outcomes); everything else uses
bulk_create.

bulk_create compiles every value through the field API, a few microseconds
a value; a 100,000-case demo writes some fifteen million values, so that alone
took minutes. insert_many writes the same rows with one converter per column,
chosen once, and sets each instance's id from RETURNING, as bulk_create does
on SQLite and PostgreSQL (both return the rows in the order they were given).

Like bulk_create it sends no signals and does not call save().
"""

import datetime

from django.db import connections, models, transaction

# Columns whose values of the given Python type the database drivers take as
# they are; any other value goes through the field. Exact classes: a subclass
# may prepare its values (FSMField goes the long way).
_AS_IS = {
    models.BigIntegerField: int,
    models.BooleanField: bool,
    models.CharField: str,
    models.EmailField: str,
    models.IntegerField: int,
    models.PositiveIntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.SmallIntegerField: int,
    models.TextField: str,
}

# PostgreSQL takes at most 65,535 parameters in one statement.
_MAX_PARAMS = 65535
_MAX_ROWS = 1000


def insert_many(objs, using="default"):
    """INSERT `objs` (new instances of one model with an auto id) and set their ids."""
    if not objs:
        return objs
    if any(obj.pk is not None or not obj._state.adding for obj in objs):
        raise ValueError("insert_many writes new rows only; these have an id already.")
    model = type(objs[0])
    connection = connections[using]
    meta = model._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    _fill_in_links(objs, [field for field in fields if field.many_to_one])
    converters = [_converter(field, connection) for field in fields]
    quote = connection.ops.quote_name
    head = f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) "
    tail = f" RETURNING {quote(meta.pk.column)}"
    if connection.vendor == "postgresql" and not any(hasattr(field, "get_placeholder") for field in fields):
        # One array per column, as bulk_create does on PostgreSQL: a short
        # statement that the driver and the server parse once, instead of
        # one placeholder per value.
        types = [field.db_type(connection).split("(")[0] for field in fields]
        sql = head + "SELECT * FROM UNNEST(" + ", ".join(f"(%s)::{db_type}[]" for db_type in types) + ")" + tail
        rows_per_statement = 5000

        def statement(chunk):
            return sql, [[convert(obj) for obj in chunk] for convert in converters]
    else:
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        rows_per_statement = max(
            1, min(connection.ops.bulk_batch_size(fields, objs), _MAX_PARAMS // len(fields), _MAX_ROWS)
        )

        def statement(chunk):
            return head + "VALUES " + ", ".join([row] * len(chunk)) + tail, [
                convert(obj) for obj in chunk for convert in converters
            ]

    # All or nothing, as bulk_create: a later statement failing takes the earlier ones back.
    with transaction.atomic(using=using, savepoint=False), connection.cursor() as cursor:
        for start in range(0, len(objs), rows_per_statement):
            chunk = objs[start : start + rows_per_statement]
            cursor.execute(*statement(chunk))
            for obj, (pk,) in zip(chunk, cursor.fetchall()):
                obj.pk = pk
                obj._state.adding = False
                obj._state.db = using
    return objs


def _fill_in_links(objs, links):
    """Set each foreign key whose object was assigned before it had an id (an
    imported case's transitions and notices); refuse one still unsaved, as
    bulk_create does, before anything is written."""
    for obj in objs:
        for field in links:
            if getattr(obj, field.attname) is None and field.is_cached(obj):
                related = getattr(obj, field.name)
                if related is not None:
                    if related.pk is None:
                        raise ValueError(f"insert_many: {obj!r}'s {field.name} is not saved yet.")
                    setattr(obj, field.name, related)  # sets the id and keeps the object, as save() does


def _converter(field, connection):
    """A function from an instance to the database value of `field`."""
    attname = field.attname
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return lambda obj: field.get_db_prep_save(field.pre_save(obj, True), connection)
    if field.many_to_one and type(field.target_field) in (models.AutoField, models.BigAutoField):
        return lambda obj: getattr(obj, attname)  # an id, filled in by _fill_in_links
    if type(field) in _AS_IS:
        plain = _AS_IS[type(field)]

        def plain_value(obj):
            value = getattr(obj, attname)
            if value is None or type(value) is plain:
                return value
            return field.get_db_prep_save(value, connection)  # a lazy string, a float in an integer column

        return plain_value
    if type(field) is models.DateTimeField:
        adapt = connection.ops.adapt_datetimefield_value

        def datetime_value(obj):
            value = getattr(obj, attname)
            if value is None:
                return None
            if isinstance(value, datetime.datetime) and value.tzinfo is not None:
                return adapt(value)
            return field.get_db_prep_save(value, connection)  # warns about naive times, as save() does

        return datetime_value
    return lambda obj: field.get_db_prep_save(getattr(obj, attname), connection)
