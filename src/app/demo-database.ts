import pg from "pg";
import { withClient } from "../postgres/client.ts";
import { withDatabase, type ConnectionTarget } from "../postgres/connection.ts";

/**
 * A realistic database with every object kind the engine must carry: several schemas, enums,
 * jsonb, numeric, bytea, arrays, timestamptz, foreign keys, views, a materialized view, sequences,
 * functions, triggers, a partitioned table and an empty table. `scale` multiplies the row counts.
 */
export function demoSchemaSql(scale = 1): string {
  const customers = 200 * scale;
  const orders = 1000 * scale;
  const events = 2000 * scale;
  return `
CREATE SCHEMA shop;
CREATE SCHEMA analytics;
CREATE SCHEMA audit;
CREATE TYPE shop.order_state AS ENUM ('new', 'paid', 'shipped', 'cancelled');

CREATE TABLE shop.customers (
  id bigserial PRIMARY KEY,
  email text NOT NULL UNIQUE,
  name text NOT NULL,
  profile jsonb NOT NULL DEFAULT '{}',
  tags text[] NOT NULL DEFAULT '{}',
  avatar bytea,
  balance numeric(14, 4) NOT NULL DEFAULT 0,
  signed_up timestamptz NOT NULL,
  rating double precision
);
CREATE TABLE shop.orders (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES shop.customers (id),
  state shop.order_state NOT NULL DEFAULT 'new',
  total numeric(12, 2) NOT NULL CHECK (total >= 0),
  placed_at timestamptz NOT NULL,
  ships_in interval,
  items jsonb NOT NULL
);
CREATE INDEX orders_by_customer ON shop.orders (customer_id, placed_at);
CREATE TABLE shop.refunds (
  id serial PRIMARY KEY,
  order_id bigint NOT NULL REFERENCES shop.orders (id),
  amount numeric(12, 2) NOT NULL
);
CREATE TABLE analytics.events (
  id bigint NOT NULL,
  happened_at timestamptz NOT NULL,
  kind text NOT NULL,
  payload jsonb,
  PRIMARY KEY (id, happened_at)
) PARTITION BY RANGE (happened_at);
CREATE TABLE analytics.events_2025 PARTITION OF analytics.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE analytics.events_2026 PARTITION OF analytics.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE TABLE audit.changes (
  id bigserial PRIMARY KEY,
  table_name text NOT NULL,
  changed_at timestamptz NOT NULL DEFAULT now(),
  row_data jsonb NOT NULL
);
CREATE SEQUENCE shop.invoice_numbers START 1000;

CREATE FUNCTION audit.record_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit.changes (table_name, row_data) VALUES (TG_TABLE_NAME, to_jsonb(NEW));
  RETURN NEW;
END;
$$;
CREATE TRIGGER orders_audit AFTER INSERT OR UPDATE ON shop.orders FOR EACH ROW EXECUTE FUNCTION audit.record_change();
CREATE FUNCTION shop.customer_total(customer bigint) RETURNS numeric LANGUAGE sql STABLE AS
  $$ SELECT coalesce(sum(total), 0) FROM shop.orders WHERE customer_id = customer $$;

INSERT INTO shop.customers (email, name, profile, tags, avatar, balance, signed_up, rating)
SELECT 'customer' || i || '@example.com',
       'Customer ' || i || CASE WHEN i % 7 = 0 THEN ' Ünïcødé ✓' ELSE '' END,
       jsonb_build_object('tier', CASE WHEN i % 3 = 0 THEN 'gold' ELSE 'basic' END, 'visits', i % 50),
       ARRAY['t' || (i % 5), 'cohort-' || (i % 12)],
       CASE WHEN i % 4 = 0 THEN decode(md5(i::text), 'hex') END,
       (i * 13.3377) % 10000,
       timestamptz '2025-01-01 00:00:00+00' + (i || ' minutes')::interval,
       CASE WHEN i % 10 = 0 THEN NULL ELSE 1.0 / i END
FROM generate_series(1, ${customers}) AS i;

INSERT INTO shop.orders (customer_id, state, total, placed_at, ships_in, items)
SELECT 1 + (i % ${customers}),
       (ARRAY['new', 'paid', 'shipped', 'cancelled']::shop.order_state[])[1 + i % 4],
       round((i * 7.77) % 500, 2),
       timestamptz '2025-06-01 12:00:00+00' + (i || ' hours')::interval,
       CASE WHEN i % 2 = 0 THEN ((i % 9) || ' days 3 hours')::interval END,
       jsonb_build_array(jsonb_build_object('sku', 'SKU-' || (i % 97), 'qty', 1 + i % 3))
FROM generate_series(1, ${orders}) AS i;

INSERT INTO shop.refunds (order_id, amount) SELECT id, total / 2 FROM shop.orders WHERE id % 50 = 0;

INSERT INTO analytics.events (id, happened_at, kind, payload)
SELECT i, timestamptz '2025-03-01 00:00:00+00' + ((i * 97) % 900000 || ' minutes')::interval,
       (ARRAY['view', 'click', 'buy'])[1 + i % 3],
       CASE WHEN i % 5 = 0 THEN NULL ELSE jsonb_build_object('n', i, 'f', i / 3.0) END
FROM generate_series(1, ${events}) AS i;

SELECT setval('shop.invoice_numbers', 1000 + ${orders});

CREATE VIEW shop.order_summary AS
  SELECT c.id, c.email, count(o.id) AS orders, sum(o.total) AS spent
  FROM shop.customers c LEFT JOIN shop.orders o ON o.customer_id = c.id GROUP BY c.id, c.email;
CREATE MATERIALIZED VIEW analytics.daily_events AS
  SELECT date_trunc('day', happened_at) AS day, kind, count(*) AS n FROM analytics.events GROUP BY 1, 2;
CREATE TABLE shop.wishlist (customer_id bigint REFERENCES shop.customers (id), sku text, added_at timestamptz);
ANALYZE;
`;
}

/** Creates `database` on the server and fills it; does nothing if it already exists. */
export async function createDemoDatabase(server: ConnectionTarget, database: string, scale = 1): Promise<{ created: boolean }> {
  const admin = withDatabase(server, "postgres");
  const exists = await withClient(admin, async (client) => {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (!rowCount) await client.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
    return Boolean(rowCount);
  });
  if (exists) return { created: false };
  try {
    await withClient(withDatabase(server, database), (client) => client.query(demoSchemaSql(scale)));
  } catch (error) {
    // A half-filled demo would be taken for a finished one on the next start.
    await withClient(admin, (client) => client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`));
    throw error;
  }
  return { created: true };
}
