#!/bin/sh
# One backup of the database named by the libpq variables (PGHOST, PGUSER, PGPASSWORD, PGDATABASE) into
# BACKUP_DIR: convening-<UTC time>.dump (pg_dump's custom format, for pg_restore) and beside it .counts, the
# rows of each table in the same snapshot as the dump, which restore_backup.sh checks a restore against. Then
# deletes the backups older than BACKUP_KEEP_DAYS. docker-compose.yml's `backup` service runs it in a loop.
set -eu
# The dumps hold every person's data: readable by their owner only.
umask 077

dir=${BACKUP_DIR:-/backups}
keep_days=${BACKUP_KEEP_DAYS:-14}
here=$(cd "$(dirname "$0")" && pwd)
name="$dir/convening-$(date -u +%Y%m%dT%H%M%SZ)"

case $keep_days in '' | *[!0-9]*) echo "BACKUP_KEEP_DAYS must be a whole number of days, not '$keep_days'" >&2; exit 2 ;; esac
mkdir -p "$dir"

# Whatever stopped a run half-way, it leaves no file behind; a whole backup has been renamed by then.
trap 'rm -f "$name.dump.partial" "$name.counts.partial" "$name.dumped"' EXIT

# The dump and the counts are taken in one snapshot (pg_dump joins this session's exported one), so rows written
# meanwhile are in neither and the counts are exactly the dump's. Written under .partial names first: a
# backup that failed half-way is never taken for a whole one.
psql --no-psqlrc --quiet --set ON_ERROR_STOP=1 <<SQL
BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;
SELECT pg_export_snapshot() AS snapshot \gset
\setenv BACKUP_SNAPSHOT :snapshot
\! pg_dump --snapshot="\$BACKUP_SNAPSHOT" --format=custom --file="$name.dump.partial" && touch "$name.dumped"
\pset format unaligned
\pset tuples_only on
\o $name.counts.partial
\i $here/row_counts.sql
\o
COMMIT;
SQL

if [ ! -e "$name.dumped" ]; then
    echo "backup failed: pg_dump did not finish" >&2
    exit 1
fi
mv "$name.counts.partial" "$name.counts"
mv "$name.dump.partial" "$name.dump"
echo "backup written: $name.dump ($(wc -l <"$name.counts") tables)"

# Whole days, from each file's time: a backup is kept for BACKUP_KEEP_DAYS × 24 hours.
find "$dir" -maxdepth 1 -name 'convening-*' -type f -mmin +$((keep_days * 1440)) -print -delete |
    sed 's/^/backup deleted (older than '"$keep_days"' days): /'
