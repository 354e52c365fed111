#!/bin/bash
# clearml-elastic-backup: take one Elasticsearch snapshot into an S3 repository and delete
# that repository's snapshots older than a number of days. Stands for the AWS guide's
# elastic_backup.py ("Backups > Elastic": --backup-repo daily|hourly,
# --delete-backups-older-than-days) and its create_elastic_backup_repo.sh: the
# repository is created (or left as it is) on every run. Installed by Landfall as
# /usr/local/sbin/clearml-elastic-backup and run from /etc/cron.d/clearml.
#   usage: clearml-elastic-backup BUCKET REPOSITORY KEEP_DAYS
# Snapshots of REPOSITORY go to s3://BUCKET/elastic/REPOSITORY, with the instance's role.
# Exit status 0 means the snapshot succeeded (the guide's rule for backup monitoring).
set -euo pipefail
exec > >(logger -t clearml-elastic-backup) 2>&1

if [ $# -ne 3 ]; then
	echo "usage: clearml-elastic-backup BUCKET REPOSITORY KEEP_DAYS"
	exit 2
fi
bucket=$1 repo=$2 keep_days=$3
case $bucket in "" | *[!a-z0-9.-]*) echo "not an S3 bucket name: $bucket"; exit 2 ;; esac
case $repo in "" | *[!a-z0-9_-]*) echo "not a repository name: $repo"; exit 2 ;; esac
case $keep_days in "" | *[!0-9]*) echo "not a number of days: $keep_days"; exit 2 ;; esac

es() {
	docker exec -i clearml-elastic curl -fsS -H "Content-Type: application/json" "$@"
}

es -X PUT "http://localhost:9200/_snapshot/$repo" --data-binary @- >/dev/null <<JSON
{"type": "s3", "settings": {"bucket": "$bucket", "base_path": "elastic/$repo"}}
JSON

name="clearml-$(date -u +%Y%m%d-%H%M%S)"
result=$(es -X PUT "http://localhost:9200/_snapshot/$repo/$name?wait_for_completion=true" \
	--data-binary '{"include_global_state": false}')
if ! grep -q '"state":"SUCCESS"' <<<"$result"; then
	echo "snapshot $repo/$name did not succeed: $result"
	exit 1
fi
echo "snapshot $repo/$name done"

cutoff=$(($(date -u +%s) - keep_days * 86400))
es "http://localhost:9200/_cat/snapshots/$repo?h=id,end_epoch" | while read -r id end_epoch; do
	case $id in clearml-*) ;; *) continue ;; esac
	case $end_epoch in "" | *[!0-9]*) continue ;; esac
	if [ "$end_epoch" -lt "$cutoff" ]; then
		es -X DELETE "http://localhost:9200/_snapshot/$repo/$id" >/dev/null
		echo "deleted snapshot $repo/$id"
	fi
done
