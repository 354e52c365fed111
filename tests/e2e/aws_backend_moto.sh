#!/usr/bin/env bash
# End-to-end test of the aws backend (checks and the network actions of the
# plan) against moto_server on loopback, driving the real landfall binary,
# with the aws CLI as the independent reader of what was created.
#
# The plan's later actions (bucket, IAM, instance, ...) have no operations
# in this build yet: apply stops at the first of them with exit 4, after the
# network is in place; destroy undoes what was created.
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
cli() { aws --output text "$@"; }

# answers NAME INSTALL [KEY=VALUE...]: an answers file; keys: ipv6, trusted
# (YAML flow list), anywhere, bucket, zones.
answers() {
	local file=$WORK/$1.yaml install=$2 ipv6=true anywhere=false
	local trusted='[203.0.113.0/24, 198.51.100.7/32, "2001:db8::/56"]'
	local bucket=lf-e2e-$2-backups zones='[eu-west-1a, eu-west-1b, eu-west-1c]'
	shift 2
	local kv
	for kv in "$@"; do
		case $kv in
		ipv6=*) ipv6=${kv#*=} ;;
		trusted=*) trusted=${kv#*=} ;;
		anywhere=*) anywhere=${kv#*=} ;;
		bucket=*) bucket=${kv#*=} ;;
		zones=*) zones=${kv#*=} ;;
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
    mode: new
    vpc_cidr: 10.20.0.0/16
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
    mode: route53
  certificate:
    mode: new
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

# count INSTALL: "vpcs subnets igws route-tables groups" tagged with it.
count() {
	local f="Name=tag:landfall:install,Values=$1"
	echo "$(cli ec2 describe-vpcs --filters "$f" --query 'length(Vpcs)')" \
		"$(cli ec2 describe-subnets --filters "$f" --query 'length(Subnets)')" \
		"$(cli ec2 describe-internet-gateways --filters "$f" --query 'length(InternetGateways)')" \
		"$(cli ec2 describe-route-tables --filters "$f" --query 'length(RouteTables)')" \
		"$(cli ec2 describe-security-groups --filters "$f" --query 'length(SecurityGroups)')"
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
ST=$WORK/st-main
expect_exit 4 "apply: stops at the first action this build lacks" "$LF" apply --answers "$A" --state "$ST"
check "  ... saying so" contains "$WORK/last.err" "Create the backup bucket: this build cannot carry out this action"
check "  ... the network actions are done" python3 -c "
import json; j=json.load(open('$ST/journal.json'))
s={a['id']:a['status'] for a in j['actions']}
for i in ['vpc','subnets','internet-gateway','route-table','sg-load-balancer','sg-server']:
    assert s[i]=='done', s
assert s['backup-bucket']=='pending', s"
same "  ... exactly one of each (vpc subnets igw rt groups)" "$(count lf-e2e-net)" "1 3 1 1 2"
check "  ... no secret in the state directory" bash -c "! grep -rqF -e Marker-Support -e Marker-Registry -e '$AWS_SECRET_ACCESS_KEY' '$ST'"

# ---- every resource read back with the aws CLI ------------------------------
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

expect_exit 4 "apply again: still stops at the same action" "$LF" apply --answers "$A" --state "$ST"
same "  ... and created nothing new" "$(count lf-e2e-net)" "1 3 1 1 2"
expect_exit 4 "apply with a new state directory: finds everything by its tags" "$LF" apply --answers "$A" --state "$WORK/st-main-fresh"
check "  ... each action found what existed" bash -c "[ \$(grep -c 'already exists; nothing to create' '$WORK/last.out') = 6 ]"
same "  ... and created nothing new" "$(count lf-e2e-net)" "1 3 1 1 2"

# ---- killed mid-apply, then resumed: exactly one of everything --------------
# engine.boundary kills before an action; write.* kill inside a journal
# write, right after AWS created something that is not yet recorded.
n=0
for fault in engine.boundary:3 write.before-rename:32 write.before-rename:6 write.mid:9 \
	write.before-rename:14 write.before-rename:20 write.mid:27; do
	n=$((n + 1))
	inst=lf-e2e-kill$n
	if [ $n = 1 ]; then
		# This one also opens to the internet, deliberately, on IPv4 only.
		K=$(answers kill$n $inst ipv6=false 'trusted=[0.0.0.0/0]' anywhere=true)
	else
		K=$(answers kill$n $inst)
	fi
	LANDFALL_FAULT=$fault "$LF" apply --answers "$K" --state "$WORK/st-$inst" >"$WORK/kill.out" 2>&1
	code=$?
	same "kill -9 at $fault" "$code" 137
	echo "# after the kill at $fault: $(count $inst) (vpcs subnets igws route-tables groups)"
	expect_exit 4 "  ... resume after the kill" "$LF" apply --answers "$K" --state "$WORK/st-$inst"
	if [ $n = 1 ]; then
		same "  ... exactly one of each" "$(count $inst)" "1 3 1 1 2"
		check "  ... allow_anywhere: 80 and 443 open to 0.0.0.0/0, no IPv6 route" python3 -c "
import json, subprocess
def q(*a): return json.loads(subprocess.check_output(['aws','--output','json','ec2',*a,'--filters','Name=tag:landfall:install,Values=$inst']))
gs={g['GroupName']:g for g in q('describe-security-groups')['SecurityGroups']}
lb=gs['$inst-load-balancer']
assert all([r['CidrIp'] for r in p['IpRanges']]==['0.0.0.0/0'] for p in lb['IpPermissions']), lb
r=q('describe-route-tables')['RouteTables'][0]
assert not any(x.get('DestinationIpv6CidrBlock')=='::/0' for x in r['Routes']), r"
	else
		same "  ... exactly one of each" "$(count $inst)" "1 3 1 1 2"
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
expect_exit 0 "destroy --yes" "$LF" destroy --yes --state "$ST"
same "  ... nothing tagged with the install id is left" "$(count lf-e2e-net)" "0 0 0 0 0"
check "  ... the journal says undone" python3 -c "
import json; j=json.load(open('$ST/journal.json'))
s={a['id']:a['status'] for a in j['actions']}
assert all(s[i]=='undone' for i in ['vpc','subnets','internet-gateway','route-table','sg-load-balancer','sg-server']), s"
expect_exit 0 "destroy again: already gone is fine" "$LF" destroy --yes --state "$WORK/st-main-fresh"
for n in 1 2 3 4 5 6 7; do
	inst=lf-e2e-kill$n
	expect_exit 0 "destroy $inst" "$LF" destroy --yes --state "$WORK/st-$inst"
	same "  ... nothing tagged with $inst is left" "$(count $inst)" "0 0 0 0 0"
done
finish
