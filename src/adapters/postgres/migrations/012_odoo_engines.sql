-- An Odoo engine is reached with a database name and a login besides its URL and API key
-- (odoo.md A.1: every execute_kw carries db, uid and the key). ERPNext engines have neither.
-- For an odoo engine, api_key holds the Odoo API key (a secret: never returned, never logged)
-- and api_secret is empty. Rows registered before this migration (odoo engines could be
-- registered but not used) are left as they are: the adapter refuses one without a database.
alter table onboarding.engines add column if not exists database text;
alter table onboarding.engines add column if not exists login text;
