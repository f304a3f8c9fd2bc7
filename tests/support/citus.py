"""Stand-ins for Citus's table functions on plain PostgreSQL, where Citus cannot run.

Each has the signature of the Citus 13 function it stands for (create_distributed_table,
with Citus's type citus.distribution_type; create_reference_table; undistribute_table),
notes every call in citus.calls and refuses what Citus refuses, in Citus's words: a table
distributed twice or never, a unique index without the distribution column, a foreign key
to a table Citus does not hold (its parent must be distributed first) or to a table in
another colocation group, and undistributing a table tied to others by foreign keys unless
the call cascades along them. What each table has become is kept in citus.tables; nothing
is moved anywhere.
"""

from sqlalchemy import text

STUBS = r"""
CREATE SCHEMA citus;
CREATE TYPE citus.distribution_type AS ENUM ('hash', 'range', 'append');
-- In Citus's schema, out of the way of the application's tables.
CREATE TABLE citus.calls (n serial PRIMARY KEY, function text NOT NULL, arguments text[]);
CREATE TABLE citus.tables (
    relation regclass PRIMARY KEY,
    colocation text,  -- NULL for a reference table
    key_column smallint
);

CREATE FUNCTION citus_connected(start regclass) RETURNS SETOF regclass
LANGUAGE sql AS $$
    WITH RECURSIVE connected(relation) AS (
        SELECT start
        UNION
        SELECT CASE WHEN c.conrelid = connected.relation THEN c.confrelid
                    ELSE c.conrelid END::regclass
        FROM pg_constraint AS c JOIN connected
            ON connected.relation::oid IN (c.conrelid, c.confrelid)
        WHERE c.contype = 'f')
    SELECT relation FROM connected
$$;

CREATE FUNCTION create_distributed_table(
    table_name regclass,
    distribution_column text,
    distribution_type citus.distribution_type DEFAULT 'hash',
    colocate_with text DEFAULT 'default',
    shard_count int DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    key smallint;
    group_name text;
    parent record;
BEGIN
    INSERT INTO citus.calls (function, arguments) VALUES ('create_distributed_table',
        ARRAY[table_name::text, distribution_column, distribution_type::text, colocate_with,
              shard_count::text]);
    IF EXISTS (SELECT FROM citus.tables WHERE relation = table_name) THEN
        RAISE 'table "%" is already distributed', table_name;
    END IF;
    SELECT attnum INTO key FROM pg_attribute
    WHERE attrelid = table_name AND attname = distribution_column AND NOT attisdropped;
    IF key IS NULL THEN
        RAISE 'column "%" of relation "%" does not exist', distribution_column, table_name;
    END IF;
    IF EXISTS (SELECT FROM pg_index
               WHERE indrelid = table_name AND indisunique AND NOT key = ANY (indkey)) THEN
        RAISE 'cannot create constraint on "%"', table_name USING DETAIL = 'Distributed '
            'relations cannot have UNIQUE, EXCLUDE, or PRIMARY KEY constraints that do not '
            'include the partition column (with an equality operator if EXCLUDE).';
    END IF;
    IF colocate_with = 'none' THEN
        group_name := table_name::text;
    ELSIF colocate_with = 'default' THEN  -- the group of the column's type
        SELECT format_type(atttypid, NULL) INTO group_name
        FROM pg_attribute WHERE attrelid = table_name AND attnum = key;
    ELSE
        SELECT colocation INTO group_name FROM citus.tables
        WHERE relation = colocate_with::regclass AND colocation IS NOT NULL;
        IF group_name IS NULL THEN
            RAISE 'cannot colocate tables % and %', colocate_with, table_name;
        END IF;
    END IF;
    FOR parent IN
        SELECT c.conkey, c.confkey, t.relation, t.colocation, t.key_column
        FROM pg_constraint AS c LEFT JOIN citus.tables AS t ON t.relation = c.confrelid
        WHERE c.conrelid = table_name AND c.contype = 'f'
    LOOP
        IF parent.relation IS NULL THEN
            RAISE 'cannot create foreign key constraint' USING
                DETAIL = 'Referenced table must be a distributed table or a reference table.';
        END IF;
        IF parent.colocation IS NOT NULL AND (parent.colocation <> group_name
                OR array_position(parent.conkey, key)
                   IS DISTINCT FROM array_position(parent.confkey, parent.key_column)) THEN
            RAISE 'cannot create foreign key constraint since relations are not colocated '
                'or not referencing a reference table';
        END IF;
    END LOOP;
    INSERT INTO citus.tables VALUES (table_name, group_name, key);
END
$$;

CREATE FUNCTION create_reference_table(table_name regclass)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO citus.calls (function, arguments)
    VALUES ('create_reference_table', ARRAY[table_name::text]);
    IF EXISTS (SELECT FROM citus.tables WHERE relation = table_name) THEN
        RAISE 'table "%" is already distributed', table_name;
    END IF;
    INSERT INTO citus.tables VALUES (table_name, NULL, NULL);
END
$$;

CREATE FUNCTION undistribute_table(
    table_name regclass, cascade_via_foreign_keys boolean DEFAULT false)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO citus.calls (function, arguments) VALUES ('undistribute_table',
        ARRAY[table_name::text, cascade_via_foreign_keys::text]);
    IF NOT EXISTS (SELECT FROM citus.tables WHERE relation = table_name) THEN
        RAISE 'cannot undistribute table because the table is not distributed';
    END IF;
    IF cascade_via_foreign_keys THEN
        DELETE FROM citus.tables WHERE relation IN (SELECT citus_connected(table_name));
        RETURN;
    END IF;
    IF EXISTS (SELECT FROM pg_constraint WHERE contype = 'f'
               AND table_name IN (conrelid, confrelid)) THEN
        RAISE 'cannot complete operation because table % has a foreign key', table_name;
    END IF;
    DELETE FROM citus.tables WHERE relation = table_name;
END
$$;
"""


def install_citus_stubs(connection):
    connection.execute(text(STUBS))


def citus_calls(connection):
    """[(function, arguments), …] in the order they were called."""
    rows = connection.execute(text("SELECT function, arguments FROM citus.calls ORDER BY n"))
    return [(function, tuple(arguments)) for function, arguments in rows]


def citus_tables(connection):
    """{table: colocation group, None for a reference table} of what the stubs hold."""
    rows = connection.execute(text("SELECT relation::text, colocation FROM citus.tables"))
    return dict(rows.all())
