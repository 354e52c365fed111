/* The network of the AWS guide (seed 000): the VPC (or the user's), one
 * public subnet per chosen zone, the internet gateway, the route table with
 * the default routes, and the two security groups of "Create Security
 * Groups for the Server and Load Balancer".
 *
 * EC2 has no client token for these calls, so idempotence comes from the
 * tags: everything is created with landfall:install = the install id and a
 * Name, in the same call (TagSpecification), and looked up by those tags
 * before anything is created. A crash between a creation and the journal
 * write therefore leaves a resource that the next run finds. Each find
 * also finishes what the crash may have left half done (attributes,
 * attachments, routes, rules), since all of it is idempotent. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../i18n.h"
#include "aws_internal.h"
#include "aws_xml.h"

/* ---- CIDR carving -------------------------------------------------------- */

char *aws_cidr4_subnet(const char *cidr, size_t index, size_t count)
{
	const char *slash = cidr ? strchr(cidr, '/') : NULL;
	if (!slash || count == 0 || index >= count)
		return NULL;
	char *addr = lf_xstrndup(cidr, (size_t)(slash - cidr));
	struct in_addr in;
	int ok = inet_pton(AF_INET, addr, &in);
	free(addr);
	char *end;
	long len = strtol(slash + 1, &end, 10);
	if (ok != 1 || *end || len < 0 || len > 32)
		return NULL;
	int bits = 0;
	while (((size_t)1 << bits) < count)
		bits++;
	long newlen = len + bits;
	if (newlen > 28)
		return NULL;
	uint32_t base = ntohl(in.s_addr);
	uint32_t mask = len ? (uint32_t)(0xffffffffu << (32 - len)) : 0;
	base &= mask;
	base |= (uint32_t)index << (32 - newlen);
	struct in_addr o = {.s_addr = htonl(base)};
	char buf[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &o, buf, sizeof buf);
	return lf_asprintf("%s/%ld", buf, newlen);
}

char *aws_cidr6_subnet(const char *cidr, size_t index)
{
	const char *slash = cidr ? strchr(cidr, '/') : NULL;
	if (!slash)
		return NULL;
	char *addr = lf_xstrndup(cidr, (size_t)(slash - cidr));
	unsigned char b[16];
	int ok = inet_pton(AF_INET6, addr, b);
	free(addr);
	char *end;
	long len = strtol(slash + 1, &end, 10);
	if (ok != 1 || *end || len < 0 || len > 64)
		return NULL;
	if (len < 64 && (uint64_t)index >= ((uint64_t)1 << (64 - len)))
		return NULL;
	if (len == 64 && index > 0)
		return NULL;
	uint64_t hi = 0;
	for (int i = 0; i < 8; i++)
		hi = hi << 8 | b[i];
	if (len < 64)
		hi = (hi & ~(((uint64_t)1 << (64 - len)) - 1)) | (uint64_t)index;
	for (int i = 7; i >= 0; i--) {
		b[i] = (unsigned char)(hi & 0xff);
		hi >>= 8;
	}
	memset(b + 8, 0, 8);
	char buf[INET6_ADDRSTRLEN];
	inet_ntop(AF_INET6, b, buf, sizeof buf);
	return lf_asprintf("%s/64", buf);
}

/* ---- VPC ------------------------------------------------------------------ */

/* After the VPC exists: DNS host names on (the load balancer and the
 * instance get public names), outputs. */
static enum action_rc vpc_finish(struct action_ctx *ctx, const char *vpc)
{
	const struct aws_config *c = ((struct aws_session *)ctx->session)->cfg;
	struct aws_params *p = aws_params_new();
	aws_params_set(p, "VpcId", vpc);
	aws_params_set(p, "EnableDnsHostnames.Value", "true");
	enum action_rc rc = aws_ec2(ctx, "ModifyVpcAttribute", p, NULL, NULL);
	aws_params_free(p);
	if (rc != ACT_OK)
		return rc;
	const char *region = aws_client_region(((struct aws_session *)ctx->session)->client);
	ctx_output(ctx, "region", _("Region"), region);
	if (!c->vpc_existing) {
		char *zones = lf_xstrdup("");
		for (size_t i = 0; i < c->nzones; i++) {
			char *z = lf_asprintf("%s%s%s", zones, i ? ", " : "", c->zones[i]);
			free(zones);
			zones = z;
		}
		ctx_output(ctx, "zones", _("Availability zones"), zones);
		free(zones);
	}
	ctx_output(ctx, "vpc_id", _("VPC"), vpc);
	return ACT_OK;
}

/* The user's VPC: it must exist and hold the subnets. */
static enum action_rc vpc_existing(struct action_ctx *ctx)
{
	const struct aws_config *c = ((struct aws_session *)ctx->session)->cfg;
	struct aws_params *p = aws_params_new();
	for (size_t i = 0; i < c->nsubnets; i++) {
		char *k = lf_asprintf("SubnetId.%zu", i + 1);
		aws_params_set(p, k, c->subnet_ids[i]);
		free(k);
	}
	xmlDoc *doc = NULL;
	enum action_rc rc = aws_ec2(ctx, "DescribeSubnets", p, &doc, NULL);
	aws_params_free(p);
	if (rc != ACT_OK)
		return rc;
	xmlNode **vpcs;
	size_t n = aws_xml_nodes(aws_xml_root(doc), "subnetSet/item/vpcId", &vpcs);
	bool ok = n == c->nsubnets;
	for (size_t i = 0; i < n && ok; i++) {
		char *v = aws_xml_text_or(vpcs[i], "", "");
		ok = strcmp(v, c->vpc_id) == 0;
		free(v);
	}
	free(vpcs);
	xmlFreeDoc(doc);
	if (!ok)
		return ctx_error(ctx, ACT_FAILED, _("give public subnets of the chosen VPC"),
				 _("the subnets are not all in %s"), c->vpc_id);
	ctx_set_resource(ctx, "vpc_id", c->vpc_id);
	char *ids = lf_xstrdup("");
	for (size_t i = 0; i < c->nsubnets; i++) {
		char *s = lf_asprintf("%s%s%s", ids, i ? "," : "", c->subnet_ids[i]);
		free(ids);
		ids = s;
	}
	ctx_set_resource(ctx, "subnet_ids", ids);
	ctx_output(ctx, "subnet_ids", _("Subnets"), ids);
	free(ids);
	ctx_output(ctx, "region", _("Region"),
		   aws_client_region(((struct aws_session *)ctx->session)->client));
	ctx_output(ctx, "vpc_id", _("VPC"), c->vpc_id);
	return ACT_OK;
}

static enum action_rc vpc_find(struct action_ctx *ctx)
{
	const struct aws_config *c = aws_sess(ctx)->cfg;
	if (c->vpc_existing)
		return vpc_existing(ctx);
	char *name = aws_name_of(c, "vpc"), *id = NULL;
	enum action_rc rc = aws_find_tagged(ctx, "DescribeVpcs", "vpcSet/item/vpcId", name, NULL, &id, NULL);
	free(name);
	if (rc == ACT_OK && !id)
		rc = ACT_NOT_FOUND;
	if (rc == ACT_OK) {
		ctx_set_resource(ctx, "vpc_id", id);
		rc = vpc_finish(ctx, id);
	}
	free(id);
	return rc;
}

static enum action_rc vpc_apply(struct action_ctx *ctx)
{
	const struct aws_config *c = aws_sess(ctx)->cfg;
	if (c->vpc_existing)
		return vpc_existing(ctx);
	char *name = aws_name_of(c, "vpc");
	struct aws_params *p = aws_params_new();
	aws_params_set(p, "CidrBlock", c->vpc_cidr);
	if (c->ipv6)
		aws_params_set(p, "AmazonProvidedIpv6CidrBlock", "true");
	aws_tag_spec(p, "vpc", c->install_id, name);
	xmlDoc *doc = NULL;
	enum action_rc rc = aws_ec2(ctx, "CreateVpc", p, &doc, NULL);
	aws_params_free(p);
	free(name);
	if (rc != ACT_OK)
		return rc;
	char *id = aws_xml_text(aws_xml_root(doc), "vpc/vpcId");
	xmlFreeDoc(doc);
	if (!id)
		return ctx_error(ctx, ACT_FAILED, NULL, _("CreateVpc answered without a VPC id"));
	ctx_set_resource(ctx, "vpc_id", id);
	ctx_log(ctx, LOG_INFO, _("VPC %s (%s)"), id, c->vpc_cidr);
	rc = vpc_finish(ctx, id);
	free(id);
	return rc;
}

static enum action_rc vpc_undo(struct action_ctx *ctx)
{
	const struct aws_config *c = aws_sess(ctx)->cfg;
	if (c->vpc_existing)
		return ACT_OK; /* the user's: never deleted */
	char *name = aws_name_of(c, "vpc"), *id = NULL;
	enum action_rc rc = aws_find_tagged(ctx, "DescribeVpcs", "vpcSet/item/vpcId", name, NULL, &id, NULL);
	free(name);
	if (rc != ACT_OK)
		return rc;
	const char *recorded = ctx_resource(ctx, "vpc_id");
	if (recorded && (!id || strcmp(id, recorded) != 0))
		rc = aws_ec2_1(ctx, "DeleteVpc", "VpcId", recorded, "InvalidVpcID.NotFound");
	if (id && (rc == ACT_OK || rc == ACT_NOT_FOUND))
		rc = aws_ec2_1(ctx, "DeleteVpc", "VpcId", id, "InvalidVpcID.NotFound");
	free(id);
	return rc == ACT_NOT_FOUND ? ACT_OK : rc;
}

const struct action_ops aws_vpc_ops = {.find = vpc_find, .apply = vpc_apply, .undo = vpc_undo};

/* ---- subnets ----------------------------------------------------------- */

/* The VPC's Amazon IPv6 block once associated; ACT_RETRY while it is
 * still being associated. */
static enum action_rc vpc_ipv6_block(struct action_ctx *ctx, const char *vpc, char **block)
{
	*block = NULL;
	struct aws_params *p = aws_params_new();
	aws_params_set(p, "VpcId.1", vpc);
	xmlDoc *doc = NULL;
	enum action_rc rc = aws_ec2(ctx, "DescribeVpcs", p, &doc, NULL);
	aws_params_free(p);
	if (rc != ACT_OK)
		return rc;
	xmlNode **items;
	size_t n = aws_xml_nodes(aws_xml_root(doc), "vpcSet/item/ipv6CidrBlockAssociationSet/item",
				 &items);
	for (size_t i = 0; i < n && !*block; i++) {
		char *state = aws_xml_text_or(items[i], "ipv6CidrBlockState/state", "");
		if (strcmp(state, "associated") == 0)
			*block = aws_xml_text(items[i], "ipv6CidrBlock");
		free(state);
	}
	free(items);
	xmlFreeDoc(doc);
	if (!*block)
		return ctx_error(ctx, ACT_RETRY, NULL, _("the VPC's IPv6 block is not associated yet"));
	return ACT_OK;
}

static enum action_rc subnet_attrs(struct action_ctx *ctx, const char *id, bool ipv6)
{
	struct aws_params *p = aws_params_new();
	aws_params_set(p, "SubnetId", id);
	aws_params_set(p, "MapPublicIpOnLaunch.Value", "true");
	enum action_rc rc = aws_ec2(ctx, "ModifySubnetAttribute", p, NULL, NULL);
	aws_params_free(p);
	if (rc != ACT_OK || !ipv6)
		return rc;
	p = aws_params_new();
	aws_params_set(p, "SubnetId", id);
	aws_params_set(p, "AssignIpv6AddressOnCreation.Value", "true");
	rc = aws_ec2(ctx, "ModifySubnetAttribute", p, NULL, NULL);
	aws_params_free(p);
	return rc;
}

/* Find (create=false) or make every subnet. */
static enum action_rc subnets_ensure(struct action_ctx *ctx, bool create)
{
	const struct aws_config *c = aws_sess(ctx)->cfg;
	const char *vpc = aws_need(ctx, "vpc", "vpc_id");
	if (!vpc)
		return ACT_FAILED;
	char *v6 = NULL;
	enum action_rc rc = ACT_OK;
	char *ids = lf_xstrdup("");
	for (size_t i = 0; i < c->nzones && rc == ACT_OK; i++) {
		char *what = lf_asprintf("public-%s", c->zones[i]);
		char *name = aws_name_of(c, what), *id = NULL;
		free(what);
		rc = aws_find_tagged(ctx, "DescribeSubnets", "subnetSet/item/subnetId", name, vpc, &id, NULL);
		if (rc == ACT_OK && !id && !create)
			rc = ACT_NOT_FOUND;
		if (rc == ACT_OK && !id) {
			char *cidr = aws_cidr4_subnet(c->vpc_cidr, i, c->nzones);
			if (!cidr)
				rc = ctx_error(ctx, ACT_FAILED, _("choose a larger VPC CIDR"),
					       _("%s cannot be split into %zu subnets"), c->vpc_cidr,
					       c->nzones);
			if (rc == ACT_OK && c->ipv6 && !v6)
				rc = vpc_ipv6_block(ctx, vpc, &v6);
			struct aws_params *p = aws_params_new();
			aws_params_set(p, "VpcId", vpc);
			aws_params_set(p, "AvailabilityZone", c->zones[i]);
			if (cidr)
				aws_params_set(p, "CidrBlock", cidr);
			char *cidr6 = v6 ? aws_cidr6_subnet(v6, i) : NULL;
			if (cidr6)
				aws_params_set(p, "Ipv6CidrBlock", cidr6);
			aws_tag_spec(p, "subnet", c->install_id, name);
			xmlDoc *doc = NULL;
			if (rc == ACT_OK)
				rc = aws_ec2(ctx, "CreateSubnet", p, &doc, NULL);
			aws_params_free(p);
			if (rc == ACT_OK) {
				id = aws_xml_text(aws_xml_root(doc), "subnet/subnetId");
				if (!id)
					rc = ctx_error(ctx, ACT_FAILED, NULL,
						       _("CreateSubnet answered without a subnet id"));
				else
					ctx_log(ctx, LOG_INFO, _("subnet %s in %s: %s%s%s"), id,
						c->zones[i], cidr, cidr6 ? ", " : "", cidr6 ? cidr6 : "");
			}
			xmlFreeDoc(doc);
			free(cidr);
			free(cidr6);
		}
		if (rc == ACT_OK) {
			char *key = lf_asprintf("subnet.%s", c->zones[i]);
			ctx_set_resource(ctx, key, id);
			free(key);
			rc = subnet_attrs(ctx, id, c->ipv6);
			char *s = lf_asprintf("%s%s%s", ids, i ? "," : "", id);
			free(ids);
			ids = s;
		}
		free(id);
		free(name);
	}
	if (rc == ACT_OK) {
		ctx_set_resource(ctx, "subnet_ids", ids);
		ctx_output(ctx, "subnet_ids", _("Subnets"), ids);
	}
	free(ids);
	free(v6);
	return rc;
}

static enum action_rc subnets_find(struct action_ctx *ctx)
{
	return subnets_ensure(ctx, false);
}

static enum action_rc subnets_apply(struct action_ctx *ctx)
{
	return subnets_ensure(ctx, true);
}

/* Delete every subnet of ours in the VPC: those the tags find, and those
 * the journal names (a tag lost by hand). */
static enum action_rc subnets_undo(struct action_ctx *ctx)
{
	const struct aws_config *c = aws_sess(ctx)->cfg;
	const char *vpc = ctx_resource_of(ctx, "vpc", "vpc_id");
	enum action_rc rc = ACT_OK;
	for (size_t i = 0; i < c->nzones && (rc == ACT_OK || rc == ACT_NOT_FOUND); i++) {
		char *key = lf_asprintf("subnet.%s", c->zones[i]);
		const char *rec = ctx_resource(ctx, key);
		free(key);
		char *what = lf_asprintf("public-%s", c->zones[i]);
		char *name = aws_name_of(c, what), *id = NULL;
		free(what);
		rc = aws_find_tagged(ctx, "DescribeSubnets", "subnetSet/item/subnetId", name, vpc, &id,
				 NULL);
		free(name);
		if (rc == ACT_OK && rec && (!id || strcmp(rec, id) != 0))
			rc = aws_ec2_1(ctx, "DeleteSubnet", "SubnetId", rec, "InvalidSubnetID.NotFound");
		if ((rc == ACT_OK || rc == ACT_NOT_FOUND) && id)
			rc = aws_ec2_1(ctx, "DeleteSubnet", "SubnetId", id, "InvalidSubnetID.NotFound");
		free(id);
	}
	return rc == ACT_NOT_FOUND ? ACT_OK : rc;
}

const struct action_ops aws_subnets_ops = {
	.find = subnets_find, .apply = subnets_apply, .undo = subnets_undo};

/* ---- internet gateway -------------------------------------------------- */

static enum action_rc igw_attach(struct action_ctx *ctx, const char *igw, const char *vpc)
{
	struct aws_params *p = aws_params_new();
	aws_params_set(p, "InternetGatewayId", igw);
	aws_params_set(p, "VpcId", vpc);
	enum action_rc rc = aws_ec2(ctx, "AttachInternetGateway", p, NULL, "Resource.AlreadyAssociated");
	aws_params_free(p);
	if (rc == ACT_OK || rc == ACT_NOT_FOUND)
		ctx_output(ctx, "internet_gateway_id", _("Internet gateway"), igw);
	return rc == ACT_NOT_FOUND ? ACT_OK : rc;
}

static enum action_rc igw_find(struct action_ctx *ctx)
{
	const struct aws_config *c = aws_sess(ctx)->cfg;
	const char *vpc = aws_need(ctx, "vpc", "vpc_id");
	if (!vpc)
		return ACT_FAILED;
	char *name = aws_name_of(c, "igw"), *id = NULL;
	enum action_rc rc = aws_find_tagged(ctx, "DescribeInternetGateways",
					"internetGatewaySet/item/internetGatewayId", name, NULL, &id,
					NULL);
	free(name);
	if (rc == ACT_OK && !id)
		rc = ACT_NOT_FOUND;
	if (rc == ACT_OK) {
		ctx_set_resource(ctx, "igw_id", id);
		rc = igw_attach(ctx, id, vpc);
	}
	free(id);
	return rc;
}

static enum action_rc igw_apply(struct action_ctx *ctx)
{
	const struct aws_config *c = aws_sess(ctx)->cfg;
	const char *vpc = aws_need(ctx, "vpc", "vpc_id");
	if (!vpc)
		return ACT_FAILED;
	char *name = aws_name_of(c, "igw");
	struct aws_params *p = aws_params_new();
	aws_tag_spec(p, "internet-gateway", c->install_id, name);
	free(name);
	xmlDoc *doc = NULL;
	enum action_rc rc = aws_ec2(ctx, "CreateInternetGateway", p, &doc, NULL);
	aws_params_free(p);
	if (rc != ACT_OK)
		return rc;
	char *id = aws_xml_text(aws_xml_root(doc), "internetGateway/internetGatewayId");
	xmlFreeDoc(doc);
	if (!id)
		return ctx_error(ctx, ACT_FAILED, NULL,
				 _("CreateInternetGateway answered without an id"));
	ctx_set_resource(ctx, "igw_id", id);
	rc = igw_attach(ctx, id, vpc);
	free(id);
	return rc;
}

static enum action_rc igw_remove(struct action_ctx *ctx, const char *igw, const char *vpc)
{
	enum action_rc rc = ACT_OK;
	if (vpc) {
		struct aws_params *p = aws_params_new();
		aws_params_set(p, "InternetGatewayId", igw);
		aws_params_set(p, "VpcId", vpc);
		rc = aws_ec2(ctx, "DetachInternetGateway", p, NULL,
			 "Gateway.NotAttached InvalidInternetGatewayID.NotFound InvalidVpcID.NotFound");
		aws_params_free(p);
	}
	if (rc == ACT_OK || rc == ACT_NOT_FOUND)
		rc = aws_ec2_1(ctx, "DeleteInternetGateway", "InternetGatewayId", igw,
			   "InvalidInternetGatewayID.NotFound");
	return rc == ACT_NOT_FOUND ? ACT_OK : rc;
}

static enum action_rc igw_undo(struct action_ctx *ctx)
{
	const struct aws_config *c = aws_sess(ctx)->cfg;
	const char *vpc = ctx_resource_of(ctx, "vpc", "vpc_id");
	char *name = aws_name_of(c, "igw"), *id = NULL;
	enum action_rc rc = aws_find_tagged(ctx, "DescribeInternetGateways",
					"internetGatewaySet/item/internetGatewayId", name, NULL, &id,
					NULL);
	free(name);
	const char *rec = ctx_resource(ctx, "igw_id");
	if (rc == ACT_OK && rec && (!id || strcmp(id, rec) != 0))
		rc = igw_remove(ctx, rec, vpc);
	if (rc == ACT_OK && id)
		rc = igw_remove(ctx, id, vpc);
	free(id);
	return rc;
}

const struct action_ops aws_igw_ops = {.find = igw_find, .apply = igw_apply, .undo = igw_undo};

/* ---- route table ------------------------------------------------------- */

static enum action_rc add_route(struct action_ctx *ctx, const char *rt, const char *igw,
				const char *key, const char *dest)
{
	struct aws_params *p = aws_params_new();
	aws_params_set(p, "RouteTableId", rt);
	aws_params_set(p, key, dest);
	aws_params_set(p, "GatewayId", igw);
	enum action_rc rc = aws_ec2(ctx, "CreateRoute", p, NULL, "RouteAlreadyExists");
	aws_params_free(p);
	return rc == ACT_NOT_FOUND ? ACT_OK : rc;
}

/* Routes to the gateway and an association with every subnet. */
static enum action_rc rt_finish(struct action_ctx *ctx, const char *rt)
{
	const struct aws_config *c = aws_sess(ctx)->cfg;
	const char *igw = aws_need(ctx, "internet-gateway", "igw_id");
	const char *subnets = igw ? aws_need(ctx, "subnets", "subnet_ids") : NULL;
	if (!igw || !subnets)
		return ACT_FAILED;
	enum action_rc rc = add_route(ctx, rt, igw, "DestinationCidrBlock", "0.0.0.0/0");
	if (rc == ACT_OK && c->ipv6)
		rc = add_route(ctx, rt, igw, "DestinationIpv6CidrBlock", "::/0");
	if (rc != ACT_OK)
		return rc;
	/* Which subnets are associated already (with this table). */
	struct aws_params *p = aws_params_new();
	aws_params_set(p, "RouteTableId.1", rt);
	xmlDoc *doc = NULL;
	rc = aws_ec2(ctx, "DescribeRouteTables", p, &doc, NULL);
	aws_params_free(p);
	if (rc != ACT_OK)
		return rc;
	xmlNode **assoc;
	size_t na = aws_xml_nodes(aws_xml_root(doc), "routeTableSet/item/associationSet/item/subnetId",
				  &assoc);
	char **have = lf_xcalloc(na + 1, sizeof *have);
	for (size_t i = 0; i < na; i++)
		have[i] = aws_xml_text_or(assoc[i], "", "");
	free(assoc);
	xmlFreeDoc(doc);
	char *list = lf_xstrdup(subnets), *save = NULL;
	for (char *sn = strtok_r(list, ",", &save); sn && rc == ACT_OK;
	     sn = strtok_r(NULL, ",", &save)) {
		bool done = false;
		for (size_t i = 0; i < na && !done; i++)
			done = strcmp(have[i], sn) == 0;
		if (done)
			continue;
		p = aws_params_new();
		aws_params_set(p, "RouteTableId", rt);
		aws_params_set(p, "SubnetId", sn);
		doc = NULL;
		rc = aws_ec2(ctx, "AssociateRouteTable", p, &doc, NULL);
		aws_params_free(p);
		if (rc == ACT_OK) {
			char *aid = aws_xml_text(aws_xml_root(doc), "associationId");
			char *key = lf_asprintf("association.%s", sn);
			if (aid)
				ctx_set_resource(ctx, key, aid);
			free(key);
			free(aid);
		}
		xmlFreeDoc(doc);
	}
	free(list);
	for (size_t i = 0; i < na; i++)
		free(have[i]);
	free(have);
	if (rc == ACT_OK)
		ctx_output(ctx, "route_table_id", _("Route table"), rt);
	return rc;
}

static enum action_rc rt_find(struct action_ctx *ctx)
{
	const struct aws_config *c = aws_sess(ctx)->cfg;
	const char *vpc = aws_need(ctx, "vpc", "vpc_id");
	if (!vpc)
		return ACT_FAILED;
	char *name = aws_name_of(c, "public-routes"), *id = NULL;
	enum action_rc rc = aws_find_tagged(ctx, "DescribeRouteTables", "routeTableSet/item/routeTableId",
					name, vpc, &id, NULL);
	free(name);
	if (rc == ACT_OK && !id)
		rc = ACT_NOT_FOUND;
	if (rc == ACT_OK) {
		ctx_set_resource(ctx, "route_table_id", id);
		rc = rt_finish(ctx, id);
	}
	free(id);
	return rc;
}

static enum action_rc rt_apply(struct action_ctx *ctx)
{
	const struct aws_config *c = aws_sess(ctx)->cfg;
	const char *vpc = aws_need(ctx, "vpc", "vpc_id");
	if (!vpc)
		return ACT_FAILED;
	char *name = aws_name_of(c, "public-routes");
	struct aws_params *p = aws_params_new();
	aws_params_set(p, "VpcId", vpc);
	aws_tag_spec(p, "route-table", c->install_id, name);
	free(name);
	xmlDoc *doc = NULL;
	enum action_rc rc = aws_ec2(ctx, "CreateRouteTable", p, &doc, NULL);
	aws_params_free(p);
	if (rc != ACT_OK)
		return rc;
	char *id = aws_xml_text(aws_xml_root(doc), "routeTable/routeTableId");
	xmlFreeDoc(doc);
	if (!id)
		return ctx_error(ctx, ACT_FAILED, NULL, _("CreateRouteTable answered without an id"));
	ctx_set_resource(ctx, "route_table_id", id);
	rc = rt_finish(ctx, id);
	free(id);
	return rc;
}

static enum action_rc rt_remove(struct action_ctx *ctx, const char *rt)
{
	struct aws_params *p = aws_params_new();
	aws_params_set(p, "RouteTableId.1", rt);
	xmlDoc *doc = NULL;
	enum action_rc rc = aws_ec2(ctx, "DescribeRouteTables", p, &doc, "InvalidRouteTableID.NotFound");
	aws_params_free(p);
	if (rc == ACT_NOT_FOUND)
		return ACT_OK;
	if (rc != ACT_OK)
		return rc;
	xmlNode **assoc;
	size_t na = aws_xml_nodes(aws_xml_root(doc), "routeTableSet/item/associationSet/item", &assoc);
	for (size_t i = 0; i < na && rc == ACT_OK; i++) {
		if (aws_xml_bool(assoc[i], "main"))
			continue;
		char *aid = aws_xml_text(assoc[i], "routeTableAssociationId");
		if (aid) {
			rc = aws_ec2_1(ctx, "DisassociateRouteTable", "AssociationId", aid,
				   "InvalidAssociationID.NotFound");
			if (rc == ACT_NOT_FOUND)
				rc = ACT_OK;
		}
		free(aid);
	}
	free(assoc);
	xmlFreeDoc(doc);
	if (rc == ACT_OK)
		rc = aws_ec2_1(ctx, "DeleteRouteTable", "RouteTableId", rt, "InvalidRouteTableID.NotFound");
	return rc == ACT_NOT_FOUND ? ACT_OK : rc;
}

static enum action_rc rt_undo(struct action_ctx *ctx)
{
	const struct aws_config *c = aws_sess(ctx)->cfg;
	const char *vpc = ctx_resource_of(ctx, "vpc", "vpc_id");
	char *name = aws_name_of(c, "public-routes"), *id = NULL;
	enum action_rc rc = aws_find_tagged(ctx, "DescribeRouteTables", "routeTableSet/item/routeTableId",
					name, vpc, &id, NULL);
	free(name);
	const char *rec = ctx_resource(ctx, "route_table_id");
	if (rc == ACT_OK && rec && (!id || strcmp(rec, id) != 0))
		rc = rt_remove(ctx, rec);
	if (rc == ACT_OK && id)
		rc = rt_remove(ctx, id);
	free(id);
	return rc;
}

const struct action_ops aws_route_table_ops = {
	.find = rt_find, .apply = rt_apply, .undo = rt_undo};

/* ---- security groups --------------------------------------------------- */

/* IpPermissions.1 for TCP `port` from the trusted CIDRs (IPv4 ones in
 * IpRanges, IPv6 ones in Ipv6Ranges), or from group `from_group`. */
static enum action_rc authorize(struct action_ctx *ctx, const char *group, int port,
				const char *from_group)
{
	const struct aws_config *c = aws_sess(ctx)->cfg;
	struct aws_params *p = aws_params_new();
	aws_params_set(p, "GroupId", group);
	aws_params_set(p, "IpPermissions.1.IpProtocol", "tcp");
	aws_params_setf(p, "IpPermissions.1.FromPort", "%d", port);
	aws_params_setf(p, "IpPermissions.1.ToPort", "%d", port);
	if (from_group) {
		aws_params_set(p, "IpPermissions.1.Groups.1.GroupId", from_group);
	} else {
		int n4 = 0, n6 = 0;
		for (size_t i = 0; i < c->ntrusted; i++) {
			bool v6 = strchr(c->trusted_cidrs[i], ':') != NULL;
			char *k = v6 ? lf_asprintf("IpPermissions.1.Ipv6Ranges.%d.CidrIpv6", ++n6)
				     : lf_asprintf("IpPermissions.1.IpRanges.%d.CidrIp", ++n4);
			aws_params_set(p, k, c->trusted_cidrs[i]);
			free(k);
		}
	}
	enum action_rc rc = aws_ec2(ctx, "AuthorizeSecurityGroupIngress", p, NULL,
				"InvalidPermission.Duplicate");
	aws_params_free(p);
	return rc == ACT_NOT_FOUND ? ACT_OK : rc;
}

/* Egress open: the default rule covers IPv4; an IPv6 VPC adds ::/0. */
static enum action_rc egress_open(struct action_ctx *ctx, const char *group)
{
	const struct aws_config *c = aws_sess(ctx)->cfg;
	if (!c->ipv6)
		return ACT_OK;
	struct aws_params *p = aws_params_new();
	aws_params_set(p, "GroupId", group);
	aws_params_set(p, "IpPermissions.1.IpProtocol", "-1");
	aws_params_set(p, "IpPermissions.1.Ipv6Ranges.1.CidrIpv6", "::/0");
	enum action_rc rc = aws_ec2(ctx, "AuthorizeSecurityGroupEgress", p, NULL,
				"InvalidPermission.Duplicate");
	aws_params_free(p);
	return rc == ACT_NOT_FOUND ? ACT_OK : rc;
}

/* What tells the two groups apart. */
struct sg_kind {
	const char *action_id;
	const char *name_suffix; /* NULL: the guide's fixed name */
	const char *fixed_name;
	const char *description;
	const char *output_key;
	const char *output_label;
};

static const struct sg_kind sg_lb = {
	"sg-load-balancer", "load-balancer", NULL,
	"ClearML load balancer: HTTP and HTTPS from trusted addresses", "sg_load_balancer_id",
	N_("Load balancer security group")};
static const struct sg_kind sg_server = {
	"sg-server", NULL, "clearml-main",
	"ClearML server (clearml-main): envoy from the load balancer, SSH from trusted addresses",
	"sg_server_id", N_("Server security group")};

static char *sg_name(const struct aws_config *c, const struct sg_kind *k)
{
	return k->fixed_name ? lf_xstrdup(k->fixed_name) : aws_name_of(c, k->name_suffix);
}

static enum action_rc sg_rules(struct action_ctx *ctx, const struct sg_kind *k, const char *id)
{
	enum action_rc rc;
	if (k == &sg_lb) {
		rc = authorize(ctx, id, 80, NULL);
		if (rc == ACT_OK)
			rc = authorize(ctx, id, 443, NULL);
	} else {
		const char *lb = aws_need(ctx, "sg-load-balancer", "group_id");
		if (!lb)
			return ACT_FAILED;
		rc = authorize(ctx, id, 10000, lb);
		if (rc == ACT_OK)
			rc = authorize(ctx, id, 22, NULL);
	}
	if (rc == ACT_OK)
		rc = egress_open(ctx, id);
	if (rc == ACT_OK)
		ctx_output(ctx, k->output_key, _(k->output_label), id);
	return rc;
}

static enum action_rc sg_find(struct action_ctx *ctx, const struct sg_kind *k)
{
	const struct aws_config *c = aws_sess(ctx)->cfg;
	const char *vpc = aws_need(ctx, "vpc", "vpc_id");
	if (!vpc)
		return ACT_FAILED;
	char *name = sg_name(c, k), *id = NULL;
	enum action_rc rc = aws_find_tagged(ctx, "DescribeSecurityGroups", "securityGroupInfo/item/groupId",
					name, vpc, &id, NULL);
	free(name);
	if (rc == ACT_OK && !id)
		rc = ACT_NOT_FOUND;
	if (rc == ACT_OK) {
		ctx_set_resource(ctx, "group_id", id);
		rc = sg_rules(ctx, k, id);
	}
	free(id);
	return rc;
}

static enum action_rc sg_apply(struct action_ctx *ctx, const struct sg_kind *k)
{
	const struct aws_config *c = aws_sess(ctx)->cfg;
	const char *vpc = aws_need(ctx, "vpc", "vpc_id");
	if (!vpc)
		return ACT_FAILED;
	char *name = sg_name(c, k);
	struct aws_params *p = aws_params_new();
	aws_params_set(p, "GroupName", name);
	aws_params_set(p, "GroupDescription", k->description);
	aws_params_set(p, "VpcId", vpc);
	aws_tag_spec(p, "security-group", c->install_id, name);
	xmlDoc *doc = NULL;
	enum action_rc rc = aws_ec2(ctx, "CreateSecurityGroup", p, &doc, "InvalidGroup.Duplicate");
	aws_params_free(p);
	if (rc == ACT_NOT_FOUND) {
		rc = ctx_error(ctx, ACT_FAILED,
			       _("rename or delete that group, or install into another VPC"),
			       _("the VPC already has a security group named %s that this install did not create"),
			       name);
	}
	free(name);
	if (rc != ACT_OK)
		return rc;
	char *id = aws_xml_text(aws_xml_root(doc), "groupId");
	xmlFreeDoc(doc);
	if (!id)
		return ctx_error(ctx, ACT_FAILED, NULL,
				 _("CreateSecurityGroup answered without a group id"));
	ctx_set_resource(ctx, "group_id", id);
	rc = sg_rules(ctx, k, id);
	free(id);
	return rc;
}

static enum action_rc sg_undo(struct action_ctx *ctx, const struct sg_kind *k)
{
	const struct aws_config *c = aws_sess(ctx)->cfg;
	const char *vpc = ctx_resource_of(ctx, "vpc", "vpc_id");
	char *name = sg_name(c, k), *id = NULL;
	enum action_rc rc = aws_find_tagged(ctx, "DescribeSecurityGroups", "securityGroupInfo/item/groupId",
					name, vpc, &id, NULL);
	free(name);
	const char *rec = ctx_resource(ctx, "group_id");
	if (rc == ACT_OK && rec && (!id || strcmp(rec, id) != 0))
		rc = aws_ec2_1(ctx, "DeleteSecurityGroup", "GroupId", rec, "InvalidGroup.NotFound");
	if ((rc == ACT_OK || rc == ACT_NOT_FOUND) && id)
		rc = aws_ec2_1(ctx, "DeleteSecurityGroup", "GroupId", id, "InvalidGroup.NotFound");
	free(id);
	return rc == ACT_NOT_FOUND ? ACT_OK : rc;
}

static enum action_rc sg_lb_find(struct action_ctx *ctx) { return sg_find(ctx, &sg_lb); }
static enum action_rc sg_lb_apply(struct action_ctx *ctx) { return sg_apply(ctx, &sg_lb); }
static enum action_rc sg_lb_undo(struct action_ctx *ctx) { return sg_undo(ctx, &sg_lb); }
static enum action_rc sg_server_find(struct action_ctx *ctx) { return sg_find(ctx, &sg_server); }
static enum action_rc sg_server_apply(struct action_ctx *ctx) { return sg_apply(ctx, &sg_server); }
static enum action_rc sg_server_undo(struct action_ctx *ctx) { return sg_undo(ctx, &sg_server); }

const struct action_ops aws_sg_lb_ops = {
	.find = sg_lb_find, .apply = sg_lb_apply, .undo = sg_lb_undo};
const struct action_ops aws_sg_server_ops = {
	.find = sg_server_find, .apply = sg_server_apply, .undo = sg_server_undo};
