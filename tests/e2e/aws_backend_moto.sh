#!/usr/bin/env bash
# End-to-end test of the aws backend against moto_server on loopback,
# driving the real landfall binary, with the aws CLI as the independent
# reader of what was created: the checks, a full apply of the guide's plan
# (network, bucket, IAM, instance, target group, certificate, load balancer,
# listeners, DNS, AWS Backup) read back against the guide's values, apply
# again, kill -9 at many points and resume (exactly one of everything), and
# destroy (nothing left but the kept bucket and vault; --purge removes those).
#
# Landfall's traffic goes through tests/aws_proxy.py (a test stand-in), which
# verifies every request's SigV4 signature with botocore, injects throttling,
# 500s and connection resets on one apply, and answers the calls moto lacks
# (Backup selections, Service Quotas).
#
# Usage: aws_backend_moto.sh LANDFALL_BINARY SOURCE_DIR
set -u
LF=$(realpath "$1")
SRC=$(realpath "$2")
WORK=$(mktemp -d /tmp/landfall-aws-backend.XXXXXX)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
. "$SRC/tests/e2e/lib.sh"

need() {
	if ! command -v "$1" >/dev/null 2>&1; then
		echo "FAILED: $1 not found on PATH: $2" >&2
		exit 1
	fi
}
need moto_server "this test needs moto 5.2's server (pip install 'moto[server]==5.2.*')"
need aws "this test needs the aws CLI as the independent reader (pip install awscli)"
need python3 "this test needs python3"

# ---- environment: nothing from the caller's AWS setup leaks in ---------------
for v in $(compgen -e | grep -E '^(AWS_|https?_proxy$|HTTPS?_PROXY$|ALL_PROXY$|all_proxy$)'); do
	unset "$v"
done
export HOME=$WORK/home XDG_STATE_HOME=$WORK/state LANG=C.UTF-8 LANGUAGE= NO_PROXY=127.0.0.1,localhost
export AWS_EC2_METADATA_DISABLED=true AWS_DEFAULT_REGION=eu-west-1 AWS_PAGER=
export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
export LANDFALL_TEST_SUPPORT_PASSWORD=Marker-Support-7f3a LANDFALL_TEST_REGISTRY_PASSWORD=Marker-Registry-91bc
mkdir -p "$HOME"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# Managed policies (AWS Backup's service role policy) and a short ACM
# validation time (moto issues a DNS-validated certificate after it).
MOTO_IAM_LOAD_MANAGED_POLICIES=true MOTO_ACM_VALIDATION_WAIT=1 \
	moto_server -H 127.0.0.1 -p "$port" >"$WORK/moto.log" 2>&1 &
PIDS+=("$!")
export AWS_ENDPOINT_URL=http://127.0.0.1:$port
up=no
for i in $(seq 150); do
	if python3 -c "import urllib.request; urllib.request.urlopen('$AWS_ENDPOINT_URL/moto-api/')" 2>/dev/null; then
		up=yes
		break
	fi
	sleep 0.1
done
if [ "$up" != yes ]; then
	echo "FAILED: moto_server did not start on $AWS_ENDPOINT_URL" >&2
	tail -20 "$WORK/moto.log" >&2
	exit 1
fi
echo "# moto on $AWS_ENDPOINT_URL"
MOTO_URL=$AWS_ENDPOINT_URL
cli() { aws --output text "$@"; }
. "$SRC/tests/e2e/aws_proxy.sh"
aws_proxy_start "$MOTO_URL" || exit 1
PIDS+=("$AWS_PROXY_PID")
echo "# proxy on $AWS_PROXY_URL"
# lf ARGS...: landfall through the proxy (the aws CLI reads moto directly).
lf() { AWS_ENDPOINT_URL=$AWS_PROXY_URL "$LF" "$@"; }

# answers NAME INSTALL [KEY=VALUE...]: an answers file; keys: ipv6, trusted
# (YAML flow list), anywhere, bucket, zones, dns, vpc and subnets (an
# existing VPC; subnets as a YAML flow list), cert (an existing certificate).
answers() {
	local file=$WORK/$1.yaml install=$2 ipv6=true anywhere=false
	local trusted='[203.0.113.0/24, 198.51.100.7/32, "2001:db8::/56"]'
	local bucket=lf-e2e-$2-backups zones='[eu-west-1a, eu-west-1b, eu-west-1c]' dns=route53
	local vpc='' subnets='' cert=''
	shift 2
	local kv
	for kv in "$@"; do
		case $kv in
		ipv6=*) ipv6=${kv#*=} ;;
		trusted=*) trusted=${kv#*=} ;;
		anywhere=*) anywhere=${kv#*=} ;;
		bucket=*) bucket=${kv#*=} ;;
		zones=*) zones=${kv#*=} ;;
		dns=*) dns=${kv#*=} ;;
		vpc=*) vpc=${kv#*=} ;;
		subnets=*) subnets=${kv#*=} ;;
		cert=*) cert=${kv#*=} ;;
		esac
	done
	cat >"$file" <<YAML
version: 1
product: clearml
target: aws
install:
  name: $install
  edition: enterprise
aws:
  region: eu-west-1
  zones: $zones
  network:
$(if [ -n "$vpc" ]; then
	printf '    mode: existing\n    vpc_id: %s\n    subnet_ids: %s\n' "$vpc" "$subnets"
else
	printf '    mode: new\n    vpc_cidr: 10.20.0.0/16\n'
fi)
    ipv6: $ipv6
    trusted_cidrs: $trusted
    allow_anywhere: $anywhere
  instance:
    type: m6i.2xlarge
    key_pair: clearml-admin
    image: al2023
  disks:
    root: {size_gb: 50, type: gp3}
    data: {size_gb: 100, type: gp3}
    fileserver: {size_gb: 500, type: st1}
    docker: {size_gb: 30, type: gp3}
  dns:
    mode: $dns
  certificate:
$(if [ -n "$cert" ]; then printf '    mode: existing\n    arn: %s\n' "$cert"; else printf '    mode: new\n'; fi)
  backup:
    bucket: $bucket
    retention_days: 7
server:
  domain: clearml.example.com
  admin_users:
    - username: support
      name: Support User
      password: {env: LANDFALL_TEST_SUPPORT_PASSWORD}
      admin: true
  registry:
    username: example-customer
    password: {env: LANDFALL_TEST_REGISTRY_PASSWORD}
backup:
  enabled: true
YAML
	echo "$file"
}

# status_of CHECKS_JSON ID: the status of one check.
status_of() {
	python3 -c "
import json,sys
for c in json.load(open('$1')):
    if c['id']=='$2': print(c['status']); sys.exit(0)
print('absent')"
}
# reason_of CHECKS_JSON ID
reason_of() {
	python3 -c "
import json
for c in json.load(open('$1')):
    if c['id']=='$2': print(c['reason'])"
}

same() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1: got '$2', wanted '$3'"; fi
}

# ======== checks ==============================================================
A=$(answers main lf-e2e-net)
expect_exit 3 "check: the key pair is missing" "$LF" check --answers "$A" --state "$WORK/chk1"
C=$WORK/chk1/checks.json
same "  ... identity ok" "$(status_of "$C" aws.identity)" ok
check "  ... with the account and ARN" contains "$C" "account 123456789012, signed in as arn:aws:"
same "  ... region ok" "$(status_of "$C" aws.region)" ok
check "  ... with its 3 zones" contains "$C" "eu-west-1 has 3 available zones"
same "  ... chosen zones ok" "$(status_of "$C" aws.zones)" ok
same "  ... key pair failed" "$(status_of "$C" aws.key_pair)" failed
check "  ... naming it" contains "$C" "key pair clearml-admin does not exist in eu-west-1"
same "  ... instance type offered" "$(status_of "$C" aws.instance_type)" ok
same "  ... bucket name free" "$(status_of "$C" aws.backup_bucket)" ok
same "  ... no hosted zone: a warning" "$(status_of "$C" aws.dns)" warning
check "  ... saying the records will be listed" contains "$C" "records will be listed"
same "  ... vCPU quota: a warning, not a failure" "$(status_of "$C" aws.vcpu_quota)" warning
check "  ... could not check" contains "$C" "could not check"
check "  ... the secret key never shows" lacks "$WORK/last.out" "$AWS_SECRET_ACCESS_KEY"

cli ec2 create-key-pair --key-name clearml-admin >/dev/null
cli route53 create-hosted-zone --name example.com --caller-reference lf-e2e >/dev/null
cli s3api create-bucket --bucket lf-e2e-taken --create-bucket-configuration LocationConstraint=eu-west-1 >/dev/null
expect_exit 0 "check: key pair created, hosted zone there" "$LF" check --answers "$A" --state "$WORK/chk2"
C=$WORK/chk2/checks.json
same "  ... key pair ok" "$(status_of "$C" aws.key_pair)" ok
same "  ... hosted zone found" "$(status_of "$C" aws.dns)" ok
check "  ... the parent zone holds the domain" contains "$C" "hosted zone example.com holds clearml.example.com"

B=$(answers taken lf-e2e-taken bucket=lf-e2e-taken)
expect_exit 3 "check: a bucket name that exists" "$LF" check --answers "$B" --state "$WORK/chk3"
same "  ... bucket failed: taken" "$(status_of "$WORK/chk3/checks.json" aws.backup_bucket)" failed
check "  ... says taken" contains "$WORK/chk3/checks.json" "is taken"
Z=$(answers zones lf-e2e-zones 'zones=[eu-west-1a, eu-west-1q]')
expect_exit 3 "check: a zone the region lacks" "$LF" check --answers "$Z" --state "$WORK/chk4"
same "  ... zones failed" "$(status_of "$WORK/chk4/checks.json" aws.zones)" failed

# ======== apply ===============================================================
# rb AREA INSTALL [STATE]: tests/e2e/aws_readback.py (boto3 reads moto).
rb() { MOTO_URL=$MOTO_URL AWS_PROXY_URL=$AWS_PROXY_URL python3 "$SRC/tests/e2e/aws_readback.py" "$@"; }
# vpcs subnets igws route-tables groups instances target-groups load-balancers
# certificates roles profiles parameters vaults plans buckets
ONE="1 3 1 1 2 1 1 1 1 2 1 3 1 1 1"
KEPT="0 0 0 0 0 0 0 0 0 0 0 0 1 0 1"
NONE="0 0 0 0 0 0 0 0 0 0 0 0 0 0 0"
ST=$WORK/st-main
aws_proxy_faults "throttle:7,500:11,reset:13"
expect_exit 0 "apply: the whole plan, with throttling, 500s and connection resets injected" lf apply --answers "$A" --state "$ST"
aws_proxy_faults ""
for f in throttle 500 reset; do
	check "  ... $f faults were injected ($(aws_proxy_stat faults.$f))" test "$(aws_proxy_stat faults.$f)" -gt 0
done
check "  ... every action done" python3 -c "
import json; j=json.load(open('$ST/journal.json'))
s={a['id']:a['status'] for a in j['actions']}
assert len(s)==17 and set(s.values())=={'done'}, s"
same "  ... exactly one of everything" "$(rb count lf-e2e-net)" "$ONE"
check "  ... no secret in the state directory" bash -c "! grep -rqF -e Marker-Support -e Marker-Registry -e '$AWS_SECRET_ACCESS_KEY' '$ST'"
check "  ... nor in what it printed" bash -c "! grep -qF -e Marker-Support -e Marker-Registry -e '$AWS_SECRET_ACCESS_KEY' '$WORK/last.out' '$WORK/last.err'"

# ---- every resource read back: the network with the aws CLI ----------------
F=Name=tag:landfall:install,Values=lf-e2e-net
aws --output json ec2 describe-vpcs --filters "$F" >"$WORK/vpcs.json"
aws --output json ec2 describe-subnets --filters "$F" >"$WORK/subnets.json"
aws --output json ec2 describe-internet-gateways --filters "$F" >"$WORK/igws.json"
aws --output json ec2 describe-route-tables --filters "$F" >"$WORK/rts.json"
aws --output json ec2 describe-security-groups --filters "$F" >"$WORK/sgs.json"
VPC=$(cli ec2 describe-vpcs --filters "$F" --query 'Vpcs[0].VpcId')
check "VPC: CIDR, IPv6 block, tags" python3 -c "
import json; v=json.load(open('$WORK/vpcs.json'))['Vpcs'][0]
assert v['CidrBlock']=='10.20.0.0/16', v
assert v['Ipv6CidrBlockAssociationSet'][0]['Ipv6CidrBlock'].endswith('/56'), v
t={x['Key']:x['Value'] for x in v['Tags']}
assert t=={'landfall:install':'lf-e2e-net','Name':'lf-e2e-net-vpc'}, t"
same "VPC: DNS host names on" "$(cli ec2 describe-vpc-attribute --vpc-id "$VPC" --attribute enableDnsHostnames --query EnableDnsHostnames.Value)" True
check "subnets: one per zone, /18 each, public, IPv6 /64 in the VPC block" python3 -c "
import json, ipaddress
v=json.load(open('$WORK/vpcs.json'))['Vpcs'][0]
v6=ipaddress.ip_network(v['Ipv6CidrBlockAssociationSet'][0]['Ipv6CidrBlock'])
ss=json.load(open('$WORK/subnets.json'))['Subnets']
assert sorted(s['AvailabilityZone'] for s in ss)==['eu-west-1a','eu-west-1b','eu-west-1c'], ss
cidrs=set()
for s in ss:
    n=ipaddress.ip_network(s['CidrBlock'])
    assert n.prefixlen==18 and n.subnet_of(ipaddress.ip_network('10.20.0.0/16')), s
    cidrs.add(n)
    assert s['VpcId']=='$VPC' and s['MapPublicIpOnLaunch'] and s['AssignIpv6AddressOnCreation'], s
    n6=ipaddress.ip_network(s['Ipv6CidrBlockAssociationSet'][0]['Ipv6CidrBlock'])
    assert n6.prefixlen==64 and n6.subnet_of(v6), s
    t={x['Key']:x['Value'] for x in s['Tags']}
    assert t['landfall:install']=='lf-e2e-net' and t['Name']=='lf-e2e-net-public-'+s['AvailabilityZone'], t
assert len(cidrs)==3"
check "internet gateway: attached to the VPC, tagged" python3 -c "
import json; g=json.load(open('$WORK/igws.json'))['InternetGateways'][0]
assert g['Attachments']==[{'State':'available','VpcId':'$VPC'}], g
assert {x['Key']:x['Value'] for x in g['Tags']}['Name']=='lf-e2e-net-igw'"
check "route table: 0.0.0.0/0 and ::/0 to the gateway, every subnet associated" python3 -c "
import json
igw=json.load(open('$WORK/igws.json'))['InternetGateways'][0]['InternetGatewayId']
r=json.load(open('$WORK/rts.json'))['RouteTables'][0]
routes={(x.get('DestinationCidrBlock') or x.get('DestinationIpv6CidrBlock')):x.get('GatewayId') for x in r['Routes']}
assert routes['0.0.0.0/0']==igw and routes['::/0']==igw, routes
subs={s['SubnetId'] for s in json.load(open('$WORK/subnets.json'))['Subnets']}
assert {a['SubnetId'] for a in r['Associations'] if not a['Main']}==subs, r['Associations']
assert r['VpcId']=='$VPC'"
check "security groups: exactly the guide's rules" python3 -c "
import json
gs={g['GroupName']:g for g in json.load(open('$WORK/sgs.json'))['SecurityGroups']}
assert set(gs)=={'lf-e2e-net-load-balancer','clearml-main'}, set(gs)
lb=gs['lf-e2e-net-load-balancer']; srv=gs['clearml-main']
v4=['198.51.100.7/32','203.0.113.0/24']; v6=['2001:db8::/56']
def rules(g):
    out={}
    for p in g['IpPermissions']:
        out[(p['IpProtocol'],p.get('FromPort'),p.get('ToPort'))]=(sorted(r['CidrIp'] for r in p['IpRanges']),
            sorted(r['CidrIpv6'] for r in p['Ipv6Ranges']), sorted(r['GroupId'] for r in p['UserIdGroupPairs']))
    return out
assert rules(lb)=={('tcp',80,80):(v4,v6,[]), ('tcp',443,443):(v4,v6,[])}, rules(lb)
assert rules(srv)=={('tcp',10000,10000):([],[],[lb['GroupId']]), ('tcp',22,22):(v4,v6,[])}, rules(srv)
for g in (lb,srv):
    assert g['VpcId']=='$VPC'
    e=g['IpPermissionsEgress']
    assert any(p['IpProtocol']=='-1' and {'CidrIp':'0.0.0.0/0'} in p['IpRanges'] for p in e), e
    assert any(p['IpProtocol']=='-1' and {'CidrIpv6':'::/0'} in p['Ipv6Ranges'] for p in e), e
    t={x['Key']:x['Value'] for x in g['Tags']}
    assert t=={'landfall:install':'lf-e2e-net','Name':g['GroupName']}, t"
check "outputs: region, zones, VPC, subnets, groups" python3 -c "
import json; d=json.load(open('$ST/outputs.json'))
o={x['key']:x['value'] for x in d['outputs']}
assert o['region']=='eu-west-1' and o['zones']=='eu-west-1a, eu-west-1b, eu-west-1c', o
assert o['vpc_id']=='$VPC' and len(o['subnet_ids'].split(','))==3, o
assert o['sg_load_balancer_id'].startswith('sg-') and o['sg_server_id'].startswith('sg-'), o"

check "backup bucket: encrypted, public access blocked, MongoDB dumps expire after 7 days, tagged" rb bucket lf-e2e-net
check "IAM: role for EC2, read-write on the backup bucket only, read of its own SSM parameters; profile" rb iam lf-e2e-net
check "instance: type, AL2023 x86_64, key, group, profile, IMDSv2, four encrypted disks, user-data without secrets, SSM SecureStrings" rb instance lf-e2e-net
check "edge: target group 10000 + health check, ALB dualstack 300 s + protection, listeners 80->301 and 443 TLS1.3 + 404 + host rule, certificate, Route53 aliases" rb edge lf-e2e-net
check "AWS Backup: vault, daily plan kept 7 days, fileserver volume selected, service role" rb backup lf-e2e-net
check "outputs: every value an installer shares" rb outputs lf-e2e-net "$ST"
if [ -f "$SRC/tests/e2e/aws_edge_checks.sh" ]; then
	. "$SRC/tests/e2e/aws_edge_checks.sh"
	edge_checks lf-e2e-net
fi
if [ -f "$SRC/tests/e2e/aws_backup_checks.sh" ]; then
	. "$SRC/tests/e2e/aws_backup_checks.sh"
	backup_checks lf-e2e-net
fi

expect_exit 0 "apply again" lf apply --answers "$A" --state "$ST"
check "  ... every action done earlier" bash -c "[ \$(grep -c ': done earlier' '$WORK/last.out') = 17 ]"
same "  ... and nothing new" "$(rb count lf-e2e-net)" "$ONE"
expect_exit 0 "apply with a new state directory: finds everything by its tags" lf apply --answers "$A" --state "$WORK/st-main-fresh"
check "  ... the actions found what existed" bash -c "[ \$(grep -c 'already exists; nothing to create' '$WORK/last.out') -ge 15 ]"
same "  ... and created nothing new" "$(rb count lf-e2e-net)" "$ONE"

# ---- killed mid-apply, then resumed: exactly one of everything --------------
# engine.boundary kills before an action; write.* kill inside a journal
# write, right after AWS created something that is not yet recorded (a full
# apply writes the journal about 120 times).
n=0
# One in the network, the bucket and IAM, the instance, the target group and
# certificate, the load balancer and listeners, and AWS Backup.
for fault in engine.boundary:3 write.mid:9 write.before-rename:32 write.before-rename:47 \
	write.before-rename:62 write.mid:80 write.before-rename:100; do
	n=$((n + 1))
	inst=lf-e2e-kill$n
	if [ $n = 1 ]; then
		# This one also opens to the internet, deliberately, on IPv4 only.
		K=$(answers kill$n $inst ipv6=false 'trusted=[0.0.0.0/0]' anywhere=true)
	else
		K=$(answers kill$n $inst)
	fi
	LANDFALL_FAULT=$fault lf apply --answers "$K" --state "$WORK/st-$inst" >"$WORK/kill.out" 2>&1
	code=$?
	same "kill -9 at $fault" "$code" 137
	echo "# after the kill at $fault: $(rb count $inst)"
	expect_exit 0 "  ... resume after the kill" lf apply --answers "$K" --state "$WORK/st-$inst"
	same "  ... exactly one of everything" "$(rb count $inst)" "$ONE"
	if [ $n = 1 ]; then
		check "  ... allow_anywhere: 80 and 443 open to 0.0.0.0/0, no IPv6 route" python3 -c "
import json, subprocess
def q(*a): return json.loads(subprocess.check_output(['aws','--output','json','ec2',*a,'--filters','Name=tag:landfall:install,Values=$inst']))
gs={g['GroupName']:g for g in q('describe-security-groups')['SecurityGroups']}
lb=gs['$inst-load-balancer']
assert all([r['CidrIp'] for r in p['IpRanges']]==['0.0.0.0/0'] for p in lb['IpPermissions']), lb
r=q('describe-route-tables')['RouteTables'][0]
assert not any(x.get('DestinationIpv6CidrBlock')=='::/0' for x in r['Routes']), r"
	fi
done
check "no ingress from 0.0.0.0/0 or ::/0 where it was not chosen" python3 -c "
import json, subprocess
gs=json.loads(subprocess.check_output(['aws','--output','json','ec2','describe-security-groups']))['SecurityGroups']
for g in gs:
    t={x['Key']:x['Value'] for x in g.get('Tags',[])}
    if not t.get('landfall:install') or t['landfall:install']=='lf-e2e-kill1': continue
    for p in g['IpPermissions']:
        assert '0.0.0.0/0' not in [r['CidrIp'] for r in p['IpRanges']], g
        assert '::/0' not in [r['CidrIpv6'] for r in p['Ipv6Ranges']], g"

# ======== destroy ==============================================================
expect_exit 0 "destroy --yes" lf destroy --yes --state "$ST"
same "  ... nothing tagged with the install id is left but the backup bucket and vault" "$(rb count lf-e2e-net)" "$KEPT"
check "  ... saying they are kept" contains "$WORK/last.out" "keeping bucket lf-e2e-lf-e2e-net-backups"
check "  ... the journal says undone, and kept for those two" python3 -c "
import json; j=json.load(open('$ST/journal.json'))
s={a['id']:a['status'] for a in j['actions']}
kept={'backup-bucket','backup-vault'}
assert all(v=='kept' if k in kept else v=='undone' for k,v in s.items()), s"
expect_exit 2 "destroy --purge with another name: refused" lf destroy --purge=lf-e2e-other --state "$ST"
check "  ... naming the rule" contains "$WORK/last.err" "the value must be the install name \"lf-e2e-net\""
expect_exit 2 "destroy --purge with no terminal and no name: refused" lf destroy --purge --yes --state "$ST"
same "  ... nothing was deleted" "$(rb count lf-e2e-net)" "$KEPT"
cli s3 cp "$ST/journal.json" s3://lf-e2e-lf-e2e-net-backups/mongo/sample.archive.gz >/dev/null
expect_exit 0 "destroy --purge=NAME: the bucket (with a backup in it) and the vault go too" lf destroy --purge=lf-e2e-net --state "$ST"
same "  ... nothing is left" "$(rb count lf-e2e-net)" "$NONE"
expect_exit 0 "destroy again: already gone is fine" lf destroy --yes --purge=lf-e2e-net --state "$WORK/st-main-fresh"
for i in $(seq "$n"); do
	inst=lf-e2e-kill$i
	expect_exit 0 "destroy --purge $inst" lf destroy --purge=$inst --state "$WORK/st-$inst"
	same "  ... nothing tagged with $inst is left" "$(rb count $inst)" "$NONE"
done
# ---- DNS elsewhere: the records to create are outputs --------------------------
X=$(answers ext lf-e2e-ext dns=external ipv6=false 'zones=[eu-west-1a, eu-west-1b]')
expect_exit 0 "DNS at another provider: apply" lf apply --answers "$X" --state "$WORK/st-ext"
check "  ... the certificate's validation record is an output to create" python3 -c "
import json; o={x['key']:x['value'] for x in json.load(open('$WORK/st-ext/outputs.json'))['outputs']}
assert ' CNAME _' in o['cert_validation_1'] and o['cert_validation_1'].startswith('_'), o
assert o['dns_record_domain'].startswith('clearml.example.com CNAME'), o
assert o['dns_record_wildcard'].startswith('*.clearml.example.com CNAME'), o
assert 'dns_records' not in o, o"
check "  ... and nothing was written to Route53 for it" python3 -c "
import json, subprocess
z=json.loads(subprocess.check_output(['aws','--output','json','route53','list-hosted-zones']))['HostedZones'][0]['Id']
r=json.loads(subprocess.check_output(['aws','--output','json','route53','list-resource-record-sets','--hosted-zone-id',z]))
assert [x for x in r['ResourceRecordSets'] if x['Type'] not in ('NS','SOA')]==[], r"
expect_exit 0 "  ... destroy --purge" lf destroy --purge=lf-e2e-ext --state "$WORK/st-ext"
same "  ... nothing is left" "$(rb count lf-e2e-ext)" "$NONE"

# ---- the user's VPC and certificate: used, never created nor deleted ---------
vpc=$(cli ec2 create-vpc --cidr-block 10.50.0.0/16 --query Vpc.VpcId)
sub1=$(cli ec2 create-subnet --vpc-id "$vpc" --cidr-block 10.50.1.0/24 --availability-zone eu-west-1a --query Subnet.SubnetId)
sub2=$(cli ec2 create-subnet --vpc-id "$vpc" --cidr-block 10.50.2.0/24 --availability-zone eu-west-1b --query Subnet.SubnetId)
igw=$(cli ec2 create-internet-gateway --query InternetGateway.InternetGatewayId)
cli ec2 attach-internet-gateway --vpc-id "$vpc" --internet-gateway-id "$igw" >/dev/null
rt=$(cli ec2 create-route-table --vpc-id "$vpc" --query RouteTable.RouteTableId)
cli ec2 create-route --route-table-id "$rt" --destination-cidr-block 0.0.0.0/0 --gateway-id "$igw" >/dev/null
cli ec2 associate-route-table --route-table-id "$rt" --subnet-id "$sub1" >/dev/null
cli ec2 associate-route-table --route-table-id "$rt" --subnet-id "$sub2" >/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=clearml.example.com \
	-addext "subjectAltName=DNS:clearml.example.com,DNS:*.clearml.example.com" \
	-keyout "$WORK/own.key" -out "$WORK/own.crt" 2>/dev/null
cert=$(cli acm import-certificate --certificate "fileb://$WORK/own.crt" --private-key "fileb://$WORK/own.key" --query CertificateArn)
check "the user's VPC, two public subnets and an imported certificate are set up" test -n "$vpc" -a -n "$sub2" -a -n "$cert"
X=$(answers own lf-e2e-own ipv6=false vpc="$vpc" "subnets=[$sub1, $sub2]" cert="$cert")
expect_exit 0 "an existing VPC and certificate: apply" lf apply --answers "$X" --state "$WORK/st-own"
same "  ... no network and no certificate created, the rest once" "$(rb count lf-e2e-own)" "0 0 0 0 2 1 1 1 0 2 1 3 1 1 1"
check "  ... the instance, groups, load balancer and target group in that VPC, the listener with that certificate" \
	env EXISTING_VPC="$vpc" EXISTING_SUBNETS="$sub1,$sub2" EXISTING_CERT="$cert" \
	MOTO_URL=$MOTO_URL AWS_PROXY_URL=$AWS_PROXY_URL python3 "$SRC/tests/e2e/aws_readback.py" existing lf-e2e-own
expect_exit 0 "  ... destroy --purge" lf destroy --purge=lf-e2e-own --state "$WORK/st-own"
same "  ... nothing of the install is left" "$(rb count lf-e2e-own)" "$NONE"
check "  ... the VPC, its subnets and the certificate are still there" bash -c "
aws ec2 describe-subnets --subnet-ids '$sub1' '$sub2' >/dev/null &&
aws ec2 describe-vpcs --vpc-ids '$vpc' >/dev/null &&
aws acm describe-certificate --certificate-arn '$cert' >/dev/null"

same "every request Landfall made carried a valid signature (botocore re-verified $(aws_proxy_stat verified))" "$(aws_proxy_stat signature_failures)" 0
same "  ... and none went unsigned" "$(aws_proxy_stat unsigned)" 0
finish
