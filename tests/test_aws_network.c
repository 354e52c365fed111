/* Unit tests of the aws backend's network pieces: subnet CIDR carving and
 * which actions of the plan this build can carry out. The actions
 * themselves run against moto in tests/e2e/aws_backend_moto.sh. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "aws/aws_internal.h"

static void expect_str(char *got, const char *want)
{
	if (!want) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_cidr4(void **state)
{
	(void)state;
	expect_str(aws_cidr4_subnet("10.20.0.0/16", 0, 3), "10.20.0.0/18");
	expect_str(aws_cidr4_subnet("10.20.0.0/16", 1, 3), "10.20.64.0/18");
	expect_str(aws_cidr4_subnet("10.20.0.0/16", 2, 3), "10.20.128.0/18");
	expect_str(aws_cidr4_subnet("10.20.0.0/16", 1, 2), "10.20.128.0/17");
	expect_str(aws_cidr4_subnet("192.168.5.0/24", 5, 6), "192.168.5.160/27");
	/* Host bits in the VPC CIDR are ignored. */
	expect_str(aws_cidr4_subnet("10.20.3.4/16", 0, 2), "10.20.0.0/17");
	/* Too small, out of range, not IPv4. */
	expect_str(aws_cidr4_subnet("10.0.0.0/27", 1, 2), "10.0.0.16/28");
	expect_str(aws_cidr4_subnet("10.0.0.0/28", 0, 2), NULL);
	expect_str(aws_cidr4_subnet("10.0.0.0/16", 3, 3), NULL);
	expect_str(aws_cidr4_subnet("2001:db8::/56", 0, 2), NULL);
	expect_str(aws_cidr4_subnet("10.0.0.0", 0, 2), NULL);
}

static void test_cidr6(void **state)
{
	(void)state;
	expect_str(aws_cidr6_subnet("2400:6500:0e88:0f00::/56", 0), "2400:6500:e88:f00::/64");
	expect_str(aws_cidr6_subnet("2400:6500:0e88:0f00::/56", 2), "2400:6500:e88:f02::/64");
	expect_str(aws_cidr6_subnet("2600:1f18:1:aa00::/56", 255), "2600:1f18:1:aaff::/64");
	expect_str(aws_cidr6_subnet("2600:1f18:1:aa00::/56", 256), NULL);
	expect_str(aws_cidr6_subnet("2600:1f18:1:aa00::/64", 0), "2600:1f18:1:aa00::/64");
	expect_str(aws_cidr6_subnet("2600:1f18:1:aa00::/64", 1), NULL);
	expect_str(aws_cidr6_subnet("10.0.0.0/16", 0), NULL);
}

static void test_plan_ops(void **state)
{
	(void)state;
	static const char *const zones[] = {"eu-west-1a", "eu-west-1b"};
	static const char *const trusted[] = {"203.0.113.0/24"};
	struct aws_config c = {
		.install_id = "t", .region = "eu-west-1", .zones = zones, .nzones = 2,
		.vpc_cidr = "10.0.0.0/16", .trusted_cidrs = trusted, .ntrusted = 1,
		.instance_type = "m6i.xlarge", .key_pair = "k", .image = "al2023",
		.domain = "example.com", .backup_enabled = true, .backup_bucket = "b",
		.backup_retention_days = 7,
	};
	struct plan p = {0};
	char *cause = NULL;
	assert_int_equal(aws_plan(&c, &p, &cause), 0);
	const char *order[] = {"vpc", "subnets", "internet-gateway", "route-table",
			       "sg-load-balancer", "sg-server", "backup-bucket", "iam-role",
			       "instance-profile", "instance", "target-group", "certificate",
			       "load-balancer", "listeners", "dns-records", "backup-vault",
			       "backup-plan"};
	assert_int_equal(p.n, LF_ARRAY_LEN(order));
	for (size_t i = 0; i < LF_ARRAY_LEN(order); i++) {
		int k = plan_find(&p, order[i]);
		assert_int_equal(k, (int)i); /* the guide's order */
		/* Every action can be found, carried out and undone. */
		assert_non_null(p.actions[k].ops);
		assert_non_null(p.actions[k].ops->find);
		assert_non_null(p.actions[k].ops->apply);
		assert_non_null(p.actions[k].ops->undo);
	}
	plan_clear(&p);

	c.vpc_existing = true;
	c.vpc_id = "vpc-0123456789abcdef0";
	static const char *const subnets[] = {"subnet-1", "subnet-2"};
	c.subnet_ids = subnets;
	c.nsubnets = 2;
	assert_int_equal(aws_plan(&c, &p, &cause), 0);
	assert_int_equal(plan_find(&p, "subnets"), -1);
	assert_ptr_equal(p.actions[plan_find(&p, "vpc")].ops, &aws_vpc_ops);
	plan_clear(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cidr4),
		cmocka_unit_test(test_cidr6),
		cmocka_unit_test(test_plan_ops),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
