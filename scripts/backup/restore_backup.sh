#!/bin/sh
# Restores a backup made by backup.sh into a new scratch database, then checks that every table has the rows
# recorded when the dump was taken (its .counts file). The database in use is never touched.
#
#   scripts/backup/restore_backup.sh BACKUP.dump [DATABASE]
#
# DATABASE (default convening_restore_<UTC time>) must not exist yet: it is created, never overwritten. The
# server and user come from the libpq variables (PGHOST, PGPORT, PGUSER, PGPASSWORD). Exits 0 only when the
# restore is complete and every count matches; a restore that failed leaves no database behind, one whose counts
# differ is kept for inspection.
set -eu

fail() {
    echo "restore failed: $*" >&2
    exit 1
}

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 BACKUP.dump [DATABASE]" >&2
    exit 2
fi
dump=$1
target=${2:-convening_restore_$(date -u +%Y%m%dT%H%M%SZ)}
counts="${dump%.dump}.counts"
here=$(cd "$(dirname "$0")" && pwd)

[ -f "$dump" ] || fail "no backup at $dump"
[ -f "$counts" ] || fail "no row counts beside the backup ($counts): was it made by backup.sh?"
case $target in '' | *[!a-z0-9_]*) fail "the database name may hold only a-z, 0-9 and _, not '$target'" ;; esac

createdb "$target" || fail "could not create the database $target (does it exist already?); nothing was changed"
if ! pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --dbname="$target" "$dump"; then
    dropdb "$target"
    fail "pg_restore refused $dump; the scratch database $target was removed"
fi

restored=$(mktemp)
trap 'rm -f "$restored"' EXIT
psql --no-psqlrc --quiet --set ON_ERROR_STOP=1 --no-align --tuples-only --dbname="$target" \
    --file="$here/row_counts.sql" >"$restored"
if ! diff "$counts" "$restored" >&2; then
    fail "row counts differ between the backup's record (<) and the restored database $target (>), kept for inspection"
fi
rows=$(awk -F'|' '{ total += $NF } END { print total + 0 }' "$restored")
echo "restore verified: $target has the $(wc -l <"$restored") tables of $dump with the rows counted at dump time ($rows rows)"
