-- Rows in each table of the public schema, one "table|rows" line per table in name order: backup.sh records
-- them in the dump's own snapshot, restore_backup.sh counts the restored copy and compares.
SELECT c.relname || '|' || (xpath('/row/n/text()',
           query_to_xml(format('SELECT count(*) AS n FROM public.%I', c.relname), false, true, '')))[1]::text
FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
ORDER BY c.relname COLLATE "C";
