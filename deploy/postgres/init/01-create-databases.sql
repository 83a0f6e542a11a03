-- Run once by the postgres:15 image on an empty data volume (docker-compose.yml), as
-- POSTGRES_USER (pmf). One database per service: each owns its own store. pmf_auth
-- holds the API tokens, shared by all four services (PMF_AUTH_DATABASE_URL).
-- Without Docker, deploy/postgres/pg.sh creates the same databases (PG_DATABASES).
CREATE DATABASE pmf_indicators OWNER pmf;
CREATE DATABASE pmf_returns OWNER pmf;
CREATE DATABASE pmf_assessment OWNER pmf;
CREATE DATABASE pmf_reporting OWNER pmf;
CREATE DATABASE pmf_auth OWNER pmf;
