#!/bin/bash
# EC2 user-data for Amazon Linux 2023, written by Landfall. On first boot it does what
# the AWS guide asks of an administrator ("Install Dependencies", "Version Deployment",
# "Backups", "Maintenance"), with the kernel, THP and directory steps of the Ubuntu guide:
# mounts the data (/dev/sdf), fileserver (/dev/sdg) and docker (/dev/sdh) disks,
# installs docker and the compose plugin, writes the configuration and starts ClearML
# Server. No secret is in this script: they are read from SSM Parameter Store with the
# instance's role. Log: /var/log/landfall-user-data.log
{{! Variables: base_dir, region, ssm_prefix, compose_version (e.g. 2.29.7), registry
    (false or {server, user}: the password is the SSM parameter registry-password),
    backup (false or {bucket, prefix}), and every variable of the files it embeds:
    99-clearml.conf, disable-thp.service, docker-compose.yml, docker-compose.override.yml,
    constants.env, edge-proxy.conf (when aws), clearml.cron and the backup scripts.
    apiserver.conf and secure.conf are the SSM parameters apiserver.conf, secure.conf.
    EC2 takes at most 16 KB of user-data: the backend may gzip it (cloud-init unpacks). }}
set -euo pipefail
exec >>/var/log/landfall-user-data.log 2>&1
echo "landfall: user-data started $(date -u +%FT%TZ)"

BASE_DIR='{{base_dir|sh}}'
REGION='{{region|sh}}'
SSM_PREFIX='{{ssm_prefix|sh}}'
COMPOSE_VERSION='{{compose_version|sh}}'

retry() { # retry N COMMAND...: transient failures at boot (network, role credentials)
	local n=$1 i
	shift
	for ((i = 1; i <= n; i++)); do
		"$@" && return 0
		echo "landfall: attempt $i of $n failed: $*" >&2
		sleep $((i * 5))
	done
	return 1
}

write_file() { # write_file PATH MODE CONTENT: atomic, with the mode set before the rename
	local tmp
	tmp=$(mktemp "$1.XXXXXX")
	printf '%s' "$3" >"$tmp"
	chmod "$2" "$tmp"
	mv -f "$tmp" "$1"
}

ssm_get() { # ssm_get NAME: a SecureString of this install, decrypted
	aws ssm get-parameter --region "$REGION" --with-decryption \
		--name "$SSM_PREFIX/$1" --query Parameter.Value --output text
}

# ---- packages --------------------------------------------------------------------
retry 5 dnf install -y docker cronie nvme-cli xfsprogs
command -v aws >/dev/null || retry 5 dnf install -y awscli-2

# ---- disks (AWS guide, "Create Instance": data /dev/sdf, fileserver /dev/sdg, docker
# /dev/sdh). On Nitro instances EBS volumes are NVMe devices; the name given at launch
# is in the controller's vendor data (bytes 3072-3103), which amazon-ec2-utils' udev
# rules turn into /dev/sdX links. Use the link, else ask each controller.
ebs_name_of() { # ebs_name_of /dev/nvme1n1 -> sdf
	local name=""
	if command -v ebsnvme-id >/dev/null; then
		name=$(ebsnvme-id -b "$1" 2>/dev/null || true)
	fi
	if [ -z "$name" ]; then
		name=$(nvme id-ctrl --raw-binary "$1" 2>/dev/null |
			dd bs=1 skip=3072 count=32 2>/dev/null | tr -d ' \0' || true)
	fi
	name=${name#/dev/}
	case $name in xvd*) name=sd${name#xvd} ;; esac
	printf '%s\n' "$name"
}

find_disk() { # find_disk sdf -> the block device
	local dev
	for dev in "/dev/$1" "/dev/xvd${1#sd}"; do
		if [ -b "$dev" ]; then
			readlink -f "$dev"
			return 0
		fi
	done
	for dev in /dev/nvme*n1; do
		if [ -b "$dev" ] && [ "$(ebs_name_of "$dev")" = "$1" ]; then
			printf '%s\n' "$dev"
			return 0
		fi
	done
	return 1
}

mount_disk() { # mount_disk sdf DIR: wait for it, format only when blank, mount by UUID
	local dev="" i fstype uuid
	for ((i = 0; i < 120; i++)); do
		dev=$(find_disk "$1") && break
		sleep 5
	done
	if [ -z "$dev" ]; then
		echo "landfall: /dev/$1 did not appear in 10 minutes"
		return 1
	fi
	udevadm settle || true
	fstype=$(blkid -o value -s TYPE "$dev" || true)
	if [ -z "$fstype" ]; then
		if [ -n "$(blkid -o value -s PTTYPE "$dev" || true)" ]; then
			echo "landfall: $dev (/dev/$1) has a partition table; not formatting it"
			return 1
		fi
		mkfs.xfs -q "$dev"
		udevadm settle || true
		fstype=xfs
	fi
	uuid=$(blkid -o value -s UUID "$dev")
	mkdir -p "$2"
	if ! grep -q "^UUID=$uuid " /etc/fstab; then
		printf 'UUID=%s %s %s defaults,nofail 0 2\n' "$uuid" "$(printf '%s' "$2" | sed 's/ /\\040/g')" \
			"$fstype" >>/etc/fstab
	fi
	mountpoint -q "$2" || mount "$2"
	echo "landfall: /dev/$1 is $dev ($fstype), mounted on $2"
}

mount_disk sdf "$BASE_DIR/data"
mount_disk sdg "$BASE_DIR/data/fileserver"
mount_disk sdh /var/lib/docker
chmod 710 /var/lib/docker

# ---- kernel settings and THP (Ubuntu guide, "Preliminary Steps") ----------------------
write_file /etc/sysctl.d/99-clearml.conf 0644 '{{> 99-clearml.conf|sh}}'
sysctl --system >/dev/null
write_file /etc/systemd/system/disable-thp.service 0644 '{{> disable-thp.service|sh}}'
systemctl daemon-reload
systemctl enable --now disable-thp

# ---- docker and the compose plugin -------------------------------------------------
systemctl enable --now docker
if ! docker compose version >/dev/null 2>&1; then
	if ! dnf install -y docker-compose-plugin; then
		url="https://github.com/docker/compose/releases/download/v$COMPOSE_VERSION/docker-compose-linux-$(uname -m)"
		retry 5 curl -fsSL -o /tmp/docker-compose "$url"
		retry 5 curl -fsSL -o /tmp/docker-compose.sha256 "$url.sha256"
		echo "$(cut -d' ' -f1 /tmp/docker-compose.sha256)  /tmp/docker-compose" | sha256sum -c -
		install -D -m 0755 /tmp/docker-compose /usr/local/lib/docker/cli-plugins/docker-compose
	fi
fi
docker compose version

# ---- directories (Ubuntu guide, "Create local directories") ------------------------
for d in data/elastic7plus data/mongo_4/configdb data/mongo_4/db data/redis logs/apiserver \
	documentation data/fileserver logs/fileserver logs/fileserver-proxy data/fluentd/buffer \
	config/webserver_external_files config/onprem_poc; do
	mkdir -p "$BASE_DIR/$d"
done
chown 1000:1000 "$BASE_DIR/data/elastic7plus"

# ---- configuration -----------------------------------------------------------------
write_file "$BASE_DIR/docker-compose.yml" 0644 '{{> docker-compose.yml|sh}}'
write_file "$BASE_DIR/docker-compose.override.yml" 0644 '{{> docker-compose.override.yml|sh}}'
write_file "$BASE_DIR/constants.env" 0644 '{{> constants.env|sh}}'
{{#aws}}
write_file "$BASE_DIR/config/edge-proxy.conf" 0644 '{{> edge-proxy.conf|sh}}'
{{/aws}}
# The secret-bearing files come from SSM (assigned first, so that a failure stops here).
secret=$(retry 10 ssm_get apiserver.conf)
write_file "$BASE_DIR/config/onprem_poc/apiserver.conf" 0600 "$secret"
secret=$(retry 10 ssm_get secure.conf)
write_file "$BASE_DIR/config/onprem_poc/secure.conf" 0600 "$secret"
unset secret
{{#backup}}
write_file /usr/local/sbin/clearml-elastic-backup 0755 '{{> clearml-elastic-backup.sh|sh}}'
write_file /usr/local/sbin/clearml-mongo-backup 0755 '{{> clearml-mongo-backup.sh|sh}}'
{{/backup}}
write_file /etc/cron.d/clearml 0644 '{{> clearml.cron|sh}}'
systemctl enable --now crond

# ---- registry login (password on stdin, never on a command line) and start -----------
{{#registry}}
retry 10 ssm_get registry-password | docker login --username '{{user|sh}}' --password-stdin '{{server|sh}}'
{{/registry}}
cd "$BASE_DIR"
retry 5 docker compose --env-file constants.env up -d

for ((i = 0; i < 60; i++)); do
	if curl -fsS -o /dev/null http://localhost:8008/debug.ping; then
		echo "landfall: the API server answers"
		break
	fi
	sleep 10
done
echo "landfall: user-data finished $(date -u +%FT%TZ)"
