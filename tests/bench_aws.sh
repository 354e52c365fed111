#!/usr/bin/env bash
# Benchmark (not a test: it prints figures and asserts nothing): a full
# `landfall apply` of the AWS guide's plan against moto_server, through
# tests/aws_proxy.py which counts the API calls, side by side with the same
# creations done by the aws CLI in one script run (one `aws` process per
# call, as an operator following the guide by hand would run them), against a
# fresh moto.
#
# Usage: bash tests/bench_aws.sh BUILD_DIR/landfall [SOURCE_DIR]
set -u
LF=$(realpath "$1")
SRC=$(realpath "${2:-$(dirname "$0")/..}")
WORK=$(mktemp -d /tmp/landfall-bench-aws.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$WORK"
}
trap cleanup EXIT
for v in $(compgen -e | grep -E '^(AWS_|https?_proxy$|HTTPS?_PROXY$)'); do unset "$v"; done
export HOME=$WORK/home NO_PROXY=127.0.0.1 AWS_EC2_METADATA_DISABLED=true AWS_DEFAULT_REGION=eu-west-1
export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY AWS_PAGER=
export BENCH_PW=bench-password-1 BENCH_REG=bench-registry-1
mkdir -p "$HOME"
. "$SRC/tests/e2e/aws_proxy.sh"

start_moto() { # start_moto: a fresh moto, its URL in MOTO
	local port
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	MOTO_IAM_LOAD_MANAGED_POLICIES=true MOTO_ACM_VALIDATION_WAIT=1 \
		moto_server -H 127.0.0.1 -p "$port" >>"$WORK/moto.log" 2>&1 &
	PIDS+=("$!")
	MOTO=http://127.0.0.1:$port
	until python3 -c "import urllib.request; urllib.request.urlopen('$MOTO/moto-api/')" 2>/dev/null; do
		sleep 0.1
	done
	aws --endpoint-url "$MOTO" ec2 create-key-pair --key-name clearml-admin >/dev/null
	aws --endpoint-url "$MOTO" route53 create-hosted-zone --name example.com --caller-reference b >/dev/null
}

cat >"$WORK/a.yaml" <<'YAML'
version: 1
product: clearml
target: aws
install: {name: bench, edition: enterprise}
aws:
  region: eu-west-1
  zones: [eu-west-1a, eu-west-1b]
  network: {mode: new, vpc_cidr: 10.20.0.0/16, ipv6: false, trusted_cidrs: [203.0.113.0/24]}
  instance: {type: m6i.2xlarge, key_pair: clearml-admin, image: al2023}
  dns: {mode: route53}
  certificate: {mode: new}
  backup: {bucket: lf-bench-backups, retention_days: 7}
server:
  domain: clearml.example.com
  admin_users: [{username: support, name: Support, password: {env: BENCH_PW}, admin: true}]
  registry: {username: example, password: {env: BENCH_REG}}
backup: {enabled: true}
YAML

ms() { date +%s%3N; }

# ---- Landfall -----------------------------------------------------------------
start_moto
aws_proxy_start "$MOTO" >/dev/null || exit 1
PIDS+=("$AWS_PROXY_PID")
t0=$(ms)
AWS_ENDPOINT_URL=$AWS_PROXY_URL "$LF" apply --answers "$WORK/a.yaml" --state "$WORK/st" >"$WORK/lf.out" 2>&1
rc=$?
t1=$(ms)
lf_calls=$(aws_proxy_stat requests)

# ---- the aws CLI, the same creations in the guide's order ------------------------
start_moto
export AWS_ENDPOINT_URL=$MOTO
: >"$WORK/calls"
# a ARGS...: one aws CLI call, counted (in a file: many run in $(...)).
a() { echo "$1 $2" >>"$WORK/calls"; aws --output text "$@"; }
t2=$(ms)
{
	VPC=$(a ec2 create-vpc --cidr-block 10.20.0.0/16 --query Vpc.VpcId)
	a ec2 modify-vpc-attribute --vpc-id "$VPC" --enable-dns-hostnames
	S1=$(a ec2 create-subnet --vpc-id "$VPC" --cidr-block 10.20.0.0/17 --availability-zone eu-west-1a --query Subnet.SubnetId)
	S2=$(a ec2 create-subnet --vpc-id "$VPC" --cidr-block 10.20.128.0/17 --availability-zone eu-west-1b --query Subnet.SubnetId)
	a ec2 modify-subnet-attribute --subnet-id "$S1" --map-public-ip-on-launch
	a ec2 modify-subnet-attribute --subnet-id "$S2" --map-public-ip-on-launch
	IGW=$(a ec2 create-internet-gateway --query InternetGateway.InternetGatewayId)
	a ec2 attach-internet-gateway --vpc-id "$VPC" --internet-gateway-id "$IGW"
	RT=$(a ec2 create-route-table --vpc-id "$VPC" --query RouteTable.RouteTableId)
	a ec2 create-route --route-table-id "$RT" --destination-cidr-block 0.0.0.0/0 --gateway-id "$IGW" >/dev/null
	a ec2 associate-route-table --route-table-id "$RT" --subnet-id "$S1" >/dev/null
	a ec2 associate-route-table --route-table-id "$RT" --subnet-id "$S2" >/dev/null
	LBSG=$(a ec2 create-security-group --group-name bench-lb --description lb --vpc-id "$VPC" --query GroupId)
	a ec2 authorize-security-group-ingress --group-id "$LBSG" --protocol tcp --port 80 --cidr 203.0.113.0/24 >/dev/null
	a ec2 authorize-security-group-ingress --group-id "$LBSG" --protocol tcp --port 443 --cidr 203.0.113.0/24 >/dev/null
	SG=$(a ec2 create-security-group --group-name clearml-main --description srv --vpc-id "$VPC" --query GroupId)
	a ec2 authorize-security-group-ingress --group-id "$SG" --protocol tcp --port 10000 --source-group "$LBSG" >/dev/null
	a ec2 authorize-security-group-ingress --group-id "$SG" --protocol tcp --port 22 --cidr 203.0.113.0/24 >/dev/null
	a s3api create-bucket --bucket lf-bench-backups --create-bucket-configuration LocationConstraint=eu-west-1 >/dev/null
	a s3api put-bucket-encryption --bucket lf-bench-backups --server-side-encryption-configuration '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}}]}'
	a s3api put-public-access-block --bucket lf-bench-backups --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true
	a s3api put-bucket-lifecycle-configuration --bucket lf-bench-backups --lifecycle-configuration '{"Rules":[{"ID":"x","Filter":{"Prefix":"mongo/"},"Status":"Enabled","Expiration":{"Days":7}}]}'
	a iam create-role --role-name bench-server --assume-role-policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}' >/dev/null
	a iam put-role-policy --role-name bench-server --policy-name b --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::lf-bench-backups/*"}]}'
	a iam create-instance-profile --instance-profile-name bench-server >/dev/null
	a iam add-role-to-instance-profile --instance-profile-name bench-server --role-name bench-server
	a ssm put-parameter --name /landfall/bench/apiserver.conf --type SecureString --value x >/dev/null
	AMI=$(a ssm get-parameter --name /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64 --query Parameter.Value)
	I=$(a ec2 run-instances --image-id "$AMI" --instance-type m6i.2xlarge --key-name clearml-admin --subnet-id "$S1" \
		--security-group-ids "$SG" --iam-instance-profile Name=bench-server \
		--block-device-mappings 'DeviceName=/dev/xvda,Ebs={VolumeSize=50,VolumeType=gp3}' 'DeviceName=/dev/sdf,Ebs={VolumeSize=100,VolumeType=gp3}' \
		'DeviceName=/dev/sdg,Ebs={VolumeSize=500,VolumeType=st1}' 'DeviceName=/dev/sdh,Ebs={VolumeSize=30,VolumeType=gp3}' \
		--query 'Instances[0].InstanceId')
	a ec2 wait instance-running --instance-ids "$I"
	TG=$(a elbv2 create-target-group --name bench-envoy --protocol HTTP --port 10000 --vpc-id "$VPC" --health-check-path /api/debug.ping \
		--health-check-timeout-seconds 10 --healthy-threshold-count 2 --unhealthy-threshold-count 2 --matcher HttpCode=200 \
		--query 'TargetGroups[0].TargetGroupArn')
	a elbv2 register-targets --target-group-arn "$TG" --targets Id="$I",Port=10000
	CERT=$(a acm request-certificate --domain-name clearml.example.com --subject-alternative-names '*.clearml.example.com' --validation-method DNS --query CertificateArn)
	sleep 1
	a acm describe-certificate --certificate-arn "$CERT" >/dev/null
	ZONE=$(a route53 list-hosted-zones --query 'HostedZones[0].Id')
	a acm wait certificate-validated --certificate-arn "$CERT"
	LB=$(a elbv2 create-load-balancer --name bench-alb --subnets "$S1" "$S2" --security-groups "$LBSG" --query 'LoadBalancers[0].LoadBalancerArn')
	a elbv2 modify-load-balancer-attributes --load-balancer-arn "$LB" --attributes Key=idle_timeout.timeout_seconds,Value=300 Key=deletion_protection.enabled,Value=true >/dev/null
	a elbv2 wait load-balancer-available --load-balancer-arns "$LB"
	a elbv2 create-listener --load-balancer-arn "$LB" --protocol HTTP --port 80 --default-actions 'Type=redirect,RedirectConfig={Protocol=HTTPS,Port=443,StatusCode=HTTP_301}' >/dev/null
	L=$(a elbv2 create-listener --load-balancer-arn "$LB" --protocol HTTPS --port 443 --certificates CertificateArn="$CERT" \
		--ssl-policy ELBSecurityPolicy-TLS13-1-2-Res-2021-06 --default-actions 'Type=fixed-response,FixedResponseConfig={StatusCode=404}' \
		--query 'Listeners[0].ListenerArn')
	a elbv2 create-rule --listener-arn "$L" --priority 10 --conditions '[{"Field":"host-header","HostHeaderConfig":{"Values":["clearml.example.com","*.clearml.example.com"]}}]' \
		--actions Type=forward,TargetGroupArn="$TG" >/dev/null
	DNS=$(a elbv2 describe-load-balancers --load-balancer-arns "$LB" --query 'LoadBalancers[0].[DNSName,CanonicalHostedZoneId]')
	a route53 change-resource-record-sets --hosted-zone-id "$ZONE" --change-batch "{\"Changes\":[{\"Action\":\"UPSERT\",\"ResourceRecordSet\":{\"Name\":\"clearml.example.com\",\"Type\":\"A\",\"AliasTarget\":{\"HostedZoneId\":\"$(echo "$DNS" | cut -f2)\",\"DNSName\":\"$(echo "$DNS" | cut -f1)\",\"EvaluateTargetHealth\":false}}}]}" >/dev/null
	a backup create-backup-vault --backup-vault-name bench-clearml >/dev/null
	a backup create-backup-plan --backup-plan '{"BackupPlanName":"bench","Rules":[{"RuleName":"daily","TargetBackupVaultName":"bench-clearml","ScheduleExpression":"cron(0 5 ? * * *)","Lifecycle":{"DeleteAfterDays":7}}]}' >/dev/null
} >"$WORK/cli.out" 2>&1
t3=$(ms)
n=$(wc -l <"$WORK/calls")
failed=$(grep -c -i "error" "$WORK/cli.out")
grep -i "error" "$WORK/cli.out" | head -3
secs() { python3 -c "print('%.1f' % (($2 - $1) / 1000))"; }
printf '\n%-36s %10s %10s\n' "full apply of the AWS guide's plan" "wall (s)" "API calls"
printf '%-36s %10s %10s\n' "landfall apply (exit $rc)" "$(secs "$t0" "$t1")" "$lf_calls"
printf '%-36s %10s %10s\n' "aws CLI, one process per call" "$(secs "$t2" "$t3")" "$n"
echo "landfall's count includes its prerequisite checks, every find-before-create and the waits' polls;"
echo "the CLI's includes its three waiters (each one invocation, polling inside); $failed CLI calls failed."
