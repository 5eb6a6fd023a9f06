-- Usage: psql -v query="..." -f explain.sql
EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT) :query;
