#!/usr/bin/env python3
"""Read back, with boto3 (the aws CLI's own library, independent of
Landfall), what a full Landfall apply created in moto, and hold it against
the AWS guide's values. Used by aws_backend_moto.sh.

Usage: aws_readback.py AREA INSTALL_ID STATE_DIR
  AREA: count | bucket | iam | instance | edge | backup | outputs | existing
  count prints "vpcs subnets igws route-tables groups instances target-groups
  load-balancers certificates roles profiles parameters vaults plans buckets";
  the others exit non-zero with the first difference.
Environment: MOTO_URL (moto), AWS_PROXY_URL (the proxy, for the Backup
selections only moto lacks), the test credentials, and the marker secrets
LANDFALL_TEST_SUPPORT_PASSWORD / LANDFALL_TEST_REGISTRY_PASSWORD; for
`existing`, EXISTING_VPC, EXISTING_SUBNETS (comma-separated) and EXISTING_CERT.
"""
import base64
import gzip
import json
import os
import sys

import boto3

AREA, INST, STATE = sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else ""
REGION = "eu-west-1"
DOMAIN = "clearml.example.com"
BUCKET = "lf-e2e-%s-backups" % INST


def client(name, url=None):
    return boto3.client(name, region_name=REGION, endpoint_url=url or os.environ["MOTO_URL"])


def tags(lst):
    return {t["Key"]: t["Value"] for t in lst or []}


def ours(lst):
    return tags(lst).get("landfall:install") == INST


def expect(cond, what):
    if not cond:
        sys.exit("readback %s: %s" % (AREA, what))


def live_instances(ec2):
    f = [{"Name": "tag:landfall:install", "Values": [INST]},
         {"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]}]
    return [i for r in ec2.describe_instances(Filters=f)["Reservations"] for i in r["Instances"]]


def elb_ours(elb, arns):
    if not arns:
        return []
    d = elb.describe_tags(ResourceArns=arns)["TagDescriptions"]
    return [x["ResourceArn"] for x in d if ours(x["Tags"])]


def count():
    ec2, elb, acm, iam = client("ec2"), client("elbv2"), client("acm"), client("iam")
    ssm, backup, s3 = client("ssm"), client("backup"), client("s3")
    f = [{"Name": "tag:landfall:install", "Values": [INST]}]
    n = [len(ec2.describe_vpcs(Filters=f)["Vpcs"]), len(ec2.describe_subnets(Filters=f)["Subnets"]),
         len(ec2.describe_internet_gateways(Filters=f)["InternetGateways"]),
         len(ec2.describe_route_tables(Filters=f)["RouteTables"]),
         len(ec2.describe_security_groups(Filters=f)["SecurityGroups"]), len(live_instances(ec2))]
    n.append(len(elb_ours(elb, [t["TargetGroupArn"] for t in elb.describe_target_groups()["TargetGroups"]])))
    n.append(len(elb_ours(elb, [x["LoadBalancerArn"] for x in elb.describe_load_balancers()["LoadBalancers"]])))
    certs = acm.list_certificates(CertificateStatuses=["PENDING_VALIDATION", "ISSUED"])["CertificateSummaryList"]
    n.append(sum(1 for c in certs if ours(acm.list_tags_for_certificate(CertificateArn=c["CertificateArn"]).get("Tags"))))
    n.append(sum(1 for r in iam.list_roles()["Roles"] if ours(iam.list_role_tags(RoleName=r["RoleName"])["Tags"])))
    n.append(sum(1 for p in iam.list_instance_profiles()["InstanceProfiles"]
                 if ours(iam.get_instance_profile(InstanceProfileName=p["InstanceProfileName"])["InstanceProfile"].get("Tags"))))
    n.append(len(ssm.get_parameters_by_path(Path="/landfall/" + INST, Recursive=True)["Parameters"]))
    n.append(sum(1 for v in backup.list_backup_vaults()["BackupVaultList"] if v["BackupVaultName"].startswith(INST + "-")))
    n.append(sum(1 for p in backup.list_backup_plans()["BackupPlansList"] if p["BackupPlanName"].startswith(INST + "-")))
    n.append(sum(1 for b in s3.list_buckets()["Buckets"] if b["Name"] == BUCKET))
    print(" ".join(map(str, n)))


def bucket():
    s3 = client("s3")
    enc = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"][0]
    expect(enc["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256", enc)
    pab = s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"]
    expect(all(pab[k] for k in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
                                "RestrictPublicBuckets")), pab)
    rules = {r["ID"]: r for r in s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"]}
    m = rules["landfall-mongo-expiry"]
    expect(m["Filter"]["Prefix"] == "mongo/" and m["Expiration"]["Days"] == 7, m)
    expect(tags(s3.get_bucket_tagging(Bucket=BUCKET)["TagSet"]).get("landfall:install") == INST,
           "bucket tags")


def iam_area():
    iam = client("iam")
    role = iam.get_role(RoleName=INST + "-server")["Role"]
    trust = role["AssumeRolePolicyDocument"]
    if isinstance(trust, str):
        trust = json.loads(trust)
    expect(trust["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}, trust)
    expect(role["Path"] == "/landfall/", role["Path"])
    names = sorted(iam.list_role_policies(RoleName=role["RoleName"])["PolicyNames"])
    expect(names == ["landfall-backup-bucket", "landfall-secrets"], names)
    b = iam.get_role_policy(RoleName=role["RoleName"], PolicyName="landfall-backup-bucket")["PolicyDocument"]
    b = json.loads(b) if isinstance(b, str) else b
    res = sorted(r for st in b["Statement"] for r in ([st["Resource"]] if isinstance(st["Resource"], str) else st["Resource"]))
    expect(res == ["arn:aws:s3:::%s" % BUCKET, "arn:aws:s3:::%s/*" % BUCKET], res)
    sp = iam.get_role_policy(RoleName=role["RoleName"], PolicyName="landfall-secrets")["PolicyDocument"]
    sp = json.loads(sp) if isinstance(sp, str) else sp
    expect(sp["Statement"][0]["Resource"] == "arn:aws:ssm:eu-west-1:123456789012:parameter/landfall/%s/*" % INST, sp)
    expect(sp["Statement"][0]["Action"] == ["ssm:GetParameter"], sp)
    prof = iam.get_instance_profile(InstanceProfileName=INST + "-server")["InstanceProfile"]
    expect([r["RoleName"] for r in prof["Roles"]] == [INST + "-server"], prof["Roles"])


def instance():
    ec2, ssm = client("ec2"), client("ssm")
    insts = live_instances(ec2)
    expect(len(insts) == 1, "instances: %d" % len(insts))
    i = insts[0]
    expect(i["InstanceType"] == "m6i.2xlarge" and i["KeyName"] == "clearml-admin", i["InstanceType"])
    expect(i["Architecture"] == "x86_64", i["Architecture"])
    img = ec2.describe_images(ImageIds=[i["ImageId"]])["Images"][0]
    expect(img["Name"].startswith("al2023-ami-") and img["Name"].endswith("x86_64"), img["Name"])
    expect([g["GroupName"] for g in i["SecurityGroups"]] == ["clearml-main"], i["SecurityGroups"])
    expect(i["IamInstanceProfile"]["Arn"].endswith("instance-profile/landfall/%s-server" % INST), i["IamInstanceProfile"])
    md = i["MetadataOptions"]
    expect(md["HttpTokens"] == "required" and md["HttpPutResponseHopLimit"] == 2, md)
    expect(tags(i["Tags"]) == {"landfall:install": INST, "Name": INST + "-server"}, i["Tags"])
    vols = {v["Attachments"][0]["Device"]: v for v in ec2.describe_volumes(
        Filters=[{"Name": "attachment.instance-id", "Values": [i["InstanceId"]]}])["Volumes"]}
    want = {"/dev/xvda": (50, "gp3"), "/dev/sdf": (100, "gp3"), "/dev/sdg": (500, "st1"),
            "/dev/sdh": (30, "gp3")}
    got = {d: (v["Size"], v["VolumeType"]) for d, v in vols.items()}
    expect(got == want, got)
    expect(all(v["Encrypted"] and ours(v.get("Tags")) for v in vols.values()), "volumes encrypted, tagged")
    ud = ec2.describe_instance_attribute(InstanceId=i["InstanceId"], Attribute="userData")["UserData"]["Value"]
    text = gzip.decompress(base64.b64decode(ud)).decode()
    for needle in ("mount_disk sdf \"$BASE_DIR/data\"", "mount_disk sdg", "mount_disk sdh /var/lib/docker",
                   "vm.max_map_count", "disable-thp", "docker compose --env-file constants.env up -d",
                   "SSM_PREFIX='/landfall/%s'" % INST, "clearml-mongo-backup", "docker container prune --force"):
        expect(needle in text, "user-data lacks %r" % needle)
    for secret in (os.environ["LANDFALL_TEST_SUPPORT_PASSWORD"], os.environ["LANDFALL_TEST_REGISTRY_PASSWORD"]):
        expect(secret not in text, "a secret is in the user-data")
    params = {p["Name"]: p for p in ssm.get_parameters_by_path(Path="/landfall/" + INST, WithDecryption=True)["Parameters"]}
    pre = "/landfall/%s/" % INST
    expect(sorted(params) == [pre + "apiserver.conf", pre + "registry-password", pre + "secure.conf"], sorted(params))
    expect(all(p["Type"] == "SecureString" for p in params.values()), "SecureString")
    expect(os.environ["LANDFALL_TEST_SUPPORT_PASSWORD"] in params[pre + "apiserver.conf"]["Value"], "apiserver.conf")
    expect(params[pre + "registry-password"]["Value"] == os.environ["LANDFALL_TEST_REGISTRY_PASSWORD"], "registry")
    expect("token_secret" in params[pre + "secure.conf"]["Value"], "secure.conf")


def edge():
    elb, acm, r53, ec2 = client("elbv2"), client("acm"), client("route53"), client("ec2")
    tgs = elb.describe_target_groups(Names=[INST + "-envoy"])["TargetGroups"]
    t = tgs[0]
    expect((t["Protocol"], t["Port"], t["TargetType"]) == ("HTTP", 10000, "instance"), t)
    expect(t["HealthCheckPath"] == "/api/debug.ping" and t["Matcher"]["HttpCode"] == "200", t)
    expect((t["HealthCheckTimeoutSeconds"], t["HealthyThresholdCount"], t["UnhealthyThresholdCount"]) == (10, 2, 2), t)
    inst = live_instances(ec2)[0]["InstanceId"]
    targets = [d["Target"] for d in elb.describe_target_health(TargetGroupArn=t["TargetGroupArn"])["TargetHealthDescriptions"]]
    expect(targets == [{"Id": inst, "Port": 10000}], targets)
    lb = elb.describe_load_balancers(Names=[INST + "-alb"])["LoadBalancers"][0]
    expect((lb["Type"], lb["Scheme"], lb["IpAddressType"]) == ("application", "internet-facing", "dualstack"), lb)
    expect(len(lb["AvailabilityZones"]) == 3, lb["AvailabilityZones"])
    lbsg = ec2.describe_security_groups(GroupIds=lb["SecurityGroups"])["SecurityGroups"]
    expect([g["GroupName"] for g in lbsg] == [INST + "-load-balancer"], lbsg)
    attrs = {a["Key"]: a["Value"] for a in elb.describe_load_balancer_attributes(LoadBalancerArn=lb["LoadBalancerArn"])["Attributes"]}
    expect(attrs["idle_timeout.timeout_seconds"] == "300" and attrs["deletion_protection.enabled"] == "true", attrs)
    ls = {x["Port"]: x for x in elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]}
    expect(sorted(ls) == [80, 443], sorted(ls))
    red = ls[80]["DefaultActions"][0]
    expect(ls[80]["Protocol"] == "HTTP" and red["Type"] == "redirect", red)
    rc = red["RedirectConfig"]
    expect((rc["Protocol"], str(rc["Port"]), rc["StatusCode"]) == ("HTTPS", "443", "HTTP_301"), rc)
    https = ls[443]
    expect(https["Protocol"] == "HTTPS" and https["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-Res-2021-06", https)
    d = https["DefaultActions"][0]
    expect(d["Type"] == "fixed-response" and d["FixedResponseConfig"]["StatusCode"] == "404", d)
    cert_arn = https["Certificates"][0]["CertificateArn"]
    rules = [r for r in elb.describe_rules(ListenerArn=https["ListenerArn"])["Rules"] if not r["IsDefault"]]
    expect(len(rules) == 1, rules)
    cond = rules[0]["Conditions"][0]
    hosts = cond.get("HostHeaderConfig", {}).get("Values") or cond.get("Values")
    expect(cond["Field"] == "host-header" and sorted(hosts) == sorted([DOMAIN, "*." + DOMAIN]), cond)
    act = rules[0]["Actions"][0]
    expect(act["Type"] == "forward" and act["TargetGroupArn"] == t["TargetGroupArn"], act)
    c = acm.describe_certificate(CertificateArn=cert_arn)["Certificate"]
    expect(c["Status"] == "ISSUED" and c["DomainName"] == DOMAIN, c["Status"])
    expect(sorted(c["SubjectAlternativeNames"]) == sorted([DOMAIN, "*." + DOMAIN]), c["SubjectAlternativeNames"])
    expect(ours(acm.list_tags_for_certificate(CertificateArn=cert_arn)["Tags"]), "certificate tags")
    zone = r53.list_hosted_zones_by_name(DNSName="example.com")["HostedZones"][0]["Id"]
    rrs = r53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
    alias = {(r["Name"].rstrip(".").replace("\\052", "*"), r["Type"]): r for r in rrs if "AliasTarget" in r}
    for name in (DOMAIN, "*." + DOMAIN):
        for typ in ("A", "AAAA"):
            r = alias.get((name, typ))
            expect(r and r["AliasTarget"]["DNSName"].rstrip(".").lower() == lb["DNSName"].lower(), (name, typ, r))
    val = c["DomainValidationOptions"][0]["ResourceRecord"]["Name"]
    expect(any(r["Type"] == "CNAME" and r["Name"] == val for r in rrs), "validation CNAME %s" % val)


def backup_area():
    backup, iam, ec2 = client("backup"), client("iam"), client("ec2")
    v = backup.describe_backup_vault(BackupVaultName=INST + "-clearml")
    plans = [p for p in backup.list_backup_plans()["BackupPlansList"] if p["BackupPlanName"] == INST + "-fileserver-daily"]
    expect(len(plans) == 1, plans)
    plan = backup.get_backup_plan(BackupPlanId=plans[0]["BackupPlanId"])["BackupPlan"]
    rule = plan["Rules"][0]
    expect(rule["ScheduleExpression"] == "cron(0 5 ? * * *)", rule)
    expect(rule["TargetBackupVaultName"] == v["BackupVaultName"], rule)
    expect(rule["Lifecycle"]["DeleteAfterDays"] == 7, rule["Lifecycle"])
    proxy = client("backup", os.environ["AWS_PROXY_URL"])
    sels = proxy.list_backup_selections(BackupPlanId=plans[0]["BackupPlanId"])["BackupSelectionsList"]
    expect(len(sels) == 1, sels)
    sel = proxy.get_backup_selection(BackupPlanId=plans[0]["BackupPlanId"], SelectionId=sels[0]["SelectionId"])["BackupSelection"]
    i = live_instances(ec2)[0]
    vol = [m["Ebs"]["VolumeId"] for m in i["BlockDeviceMappings"] if m["DeviceName"] == "/dev/sdg"][0]
    expect(sel["Resources"] == ["arn:aws:ec2:eu-west-1:123456789012:volume/" + vol], sel["Resources"])
    role = iam.get_role(RoleName=INST + "-backup")["Role"]
    expect(sel["IamRoleArn"] == role["Arn"], sel["IamRoleArn"])
    trust = role["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    expect(trust["Statement"][0]["Principal"] == {"Service": "backup.amazonaws.com"}, trust)
    att = [p["PolicyName"] for p in iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"]]
    expect(att == ["AWSBackupServiceRolePolicyForBackup"], att)


def outputs():
    o = {x["key"]: x["value"] for x in json.load(open(os.path.join(STATE, "outputs.json")))["outputs"]}
    for k in ("region", "zones", "vpc_id", "subnet_ids", "sg_load_balancer_id", "sg_server_id",
              "backup_bucket", "role_arn", "instance_id", "private_ip", "public_ip", "ssh_command",
              "target_group_arn", "certificate_arn", "load_balancer_dns", "dns_records",
              "backup_vault", "backup_plan_id", "web_url", "api_url", "files_url"):
        expect(o.get(k), "output %s missing: %s" % (k, sorted(o)))
    expect(o["web_url"] == "https://app." + DOMAIN and o["api_url"] == "https://api." + DOMAIN, o)
    expect(o["ssh_command"] == "ssh -i clearml-admin.pem ec2-user@" + o["public_ip"], o["ssh_command"])


def existing():
    """An install into the user's VPC with the user's certificate: both used
    where the guide puts them, neither created."""
    vpc, cert = os.environ["EXISTING_VPC"], os.environ["EXISTING_CERT"]
    subnets = os.environ["EXISTING_SUBNETS"].split(",")
    ec2, elb = client("ec2"), client("elbv2")
    insts = live_instances(ec2)
    expect(len(insts) == 1, "instances: %d" % len(insts))
    expect(insts[0]["VpcId"] == vpc and insts[0]["SubnetId"] == subnets[0],
           "the instance in the first subnet given: %s %s" % (insts[0]["VpcId"], insts[0]["SubnetId"]))
    groups = [g for g in ec2.describe_security_groups()["SecurityGroups"] if ours(g.get("Tags"))]
    expect(len(groups) == 2 and all(g["VpcId"] == vpc for g in groups),
           [(g["GroupName"], g["VpcId"]) for g in groups])
    lbs = elb.describe_load_balancers()["LoadBalancers"]
    mine = elb_ours(elb, [lb["LoadBalancerArn"] for lb in lbs])
    lbs = [lb for lb in lbs if lb["LoadBalancerArn"] in mine]
    expect(len(lbs) == 1 and lbs[0]["VpcId"] == vpc, [lb.get("VpcId") for lb in lbs])
    got = sorted(az["SubnetId"] for az in lbs[0]["AvailabilityZones"])
    expect(got == sorted(subnets), "load balancer subnets %s, want %s" % (got, sorted(subnets)))
    tgs = elb.describe_target_groups(LoadBalancerArn=lbs[0]["LoadBalancerArn"])["TargetGroups"]
    expect(len(tgs) == 1 and tgs[0]["VpcId"] == vpc, [t.get("VpcId") for t in tgs])
    https = [l for l in elb.describe_listeners(LoadBalancerArn=lbs[0]["LoadBalancerArn"])["Listeners"]
             if l["Port"] == 443]
    expect(len(https) == 1 and [c["CertificateArn"] for c in https[0]["Certificates"]] == [cert],
           "the HTTPS listener's certificate: %s" % https)


{"count": count, "bucket": bucket, "iam": iam_area, "instance": instance, "edge": edge,
 "backup": backup_area, "outputs": outputs, "existing": existing}[AREA]()
