#!/bin/bash
# clearml-mongo-backup: dump the MongoDB database to S3 as one gzip archive. Stands for
# the AWS guide's mongo_backup.sh ("Backups > MongoDB": mongo_backup.sh
# <bucket name>/<prefix>); like it, it deletes nothing: old dumps expire through the
# bucket's lifecycle rule. Installed by Landfall as /usr/local/sbin/clearml-mongo-backup
# and run from /etc/cron.d/clearml with the instance's role.
#   usage: clearml-mongo-backup BUCKET [PREFIX]
# Exit status 0 means the dump was stored.
set -euo pipefail
exec > >(logger -t clearml-mongo-backup) 2>&1

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: clearml-mongo-backup BUCKET [PREFIX]"
	exit 2
fi
bucket=$1 prefix=${2:-mongo}
case $bucket in "" | *[!a-z0-9.-]*) echo "not an S3 bucket name: $bucket"; exit 2 ;; esac
prefix=${prefix#/}
prefix=${prefix%/}
key="${prefix:+$prefix/}clearml-mongo-$(date -u +%Y%m%d-%H%M%S).archive.gz"

docker exec clearml-mongo mongodump --quiet --archive --gzip |
	aws s3 cp --only-show-errors - "s3://$bucket/$key"
echo "dump stored as s3://$bucket/$key"
