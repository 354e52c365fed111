/* Unit tests for backends/ubuntu/ubuntu_parse.c: real-looking outputs of the
 * commands the ubuntu checks run (os-release of several releases and
 * distributions, /proc/meminfo, nproc and /proc/cpuinfo, df -P -B1 with odd
 * mount points, stat, ss in every address form, docker and compose versions and
 * their errors), and the check results they lead to. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "ubuntu/ubuntu_parse.h"
#include "util.h"

static const struct check_result *only(const struct check_list *cl, const char *id)
{
	const struct check_result *found = NULL;
	for (size_t i = 0; i < cl->n; i++)
		if (strcmp(cl->items[i].id, id) == 0) {
			assert_null(found);
			found = &cl->items[i];
		}
	assert_non_null(found);
	assert_non_null(found->title);
	assert_non_null(found->reason);
	assert_null(strchr(found->reason, '\n'));
	/* A hint exactly when something is to be fixed. */
	if (found->status == CHECK_OK)
		assert_null(found->hint);
	else
		assert_non_null(found->hint);
	return found;
}

/* ---- os-release -------------------------------------------------------------- */

static const char os_2404[] = "PRETTY_NAME=\"Ubuntu 24.04.1 LTS\"\n"
			      "NAME=\"Ubuntu\"\n"
			      "VERSION_ID=\"24.04\"\n"
			      "VERSION=\"24.04.1 LTS (Noble Numbat)\"\n"
			      "VERSION_CODENAME=noble\n"
			      "ID=ubuntu\n"
			      "ID_LIKE=debian\n"
			      "HOME_URL=\"https://www.ubuntu.com/\"\n"
			      "UBUNTU_CODENAME=noble\n"
			      "LOGO=ubuntu-logo\n";

static const char os_2204[] = "PRETTY_NAME=\"Ubuntu 22.04.5 LTS\"\nNAME=\"Ubuntu\"\n"
			      "VERSION_ID=\"22.04\"\nID=ubuntu\nID_LIKE=debian\n";

static const char os_2004[] =
	"NAME=\"Ubuntu\"\r\nVERSION=\"20.04.6 LTS (Focal Fossa)\"\r\n"
	"ID=ubuntu\r\nID_LIKE=debian\r\nPRETTY_NAME=\"Ubuntu 20.04.6 LTS\"\r\n"
	"VERSION_ID=\"20.04\"\r\n";

static const char os_1804[] =
	"NAME=\"Ubuntu\"\nVERSION=\"18.04.6 LTS (Bionic Beaver)\"\nID=ubuntu\n"
	"ID_LIKE=debian\nPRETTY_NAME=\"Ubuntu 18.04.6 LTS\"\nVERSION_ID=\"18.04\"\n";

static const char os_2410[] = "# interim\n  ID=ubuntu\nVERSION_ID='24.10'\n"
			      "PRETTY_NAME='Ubuntu 24.10'\n";

static const char os_debian[] =
	"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\n"
	"VERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nID=debian\n";

static const char os_mint[] = "NAME=\"Linux Mint\"\nVERSION=\"21.3 (Virginia)\"\nID=linuxmint\n"
			      "ID_LIKE=\"ubuntu debian\"\nPRETTY_NAME=\"Linux Mint 21.3\"\n"
			      "VERSION_ID=\"21.3\"\n";

static const char os_escaped[] = "ID=ubuntu\nVERSION_ID=\"26.04\"\n"
				 "PRETTY_NAME=\"Ubuntu \\\"Resolute\\\" \\$ 26.04\"\n";

static enum check_status os_status(const char *text, struct os_release *r)
{
	struct check_list cl = {0};
	int rc = ubuntu_parse_os_release(text, r);
	ubuntu_check_os(r, rc == 0, &cl);
	enum check_status st = only(&cl, "ubuntu.os")->status;
	check_list_clear(&cl);
	return st;
}

static void test_os_release(void **state)
{
	(void)state;
	struct os_release r;

	assert_int_equal(os_status(os_2404, &r), CHECK_OK);
	assert_string_equal(r.id, "ubuntu");
	assert_string_equal(r.id_like, "debian");
	assert_string_equal(r.version_id, "24.04");
	assert_string_equal(r.pretty_name, "Ubuntu 24.04.1 LTS");
	assert_int_equal(r.major, 24);
	assert_int_equal(r.minor, 4);

	assert_int_equal(os_status(os_2204, &r), CHECK_OK);
	assert_int_equal(os_status(os_2004, &r), CHECK_WARNING);
	assert_string_equal(r.version_id, "20.04"); /* CR LF lines */
	assert_int_equal(os_status(os_1804, &r), CHECK_FAILED);
	assert_int_equal(os_status(os_2410, &r), CHECK_WARNING);
	assert_string_equal(r.pretty_name, "Ubuntu 24.10");
	assert_int_equal(os_status(os_debian, &r), CHECK_FAILED);
	assert_int_equal(os_status(os_mint, &r), CHECK_FAILED);
	assert_string_equal(r.id_like, "ubuntu debian");
	assert_int_equal(os_status(os_escaped, &r), CHECK_OK);
	assert_string_equal(r.pretty_name, "Ubuntu \"Resolute\" $ 26.04");

	/* Not os-release at all. */
	assert_int_equal(ubuntu_parse_os_release("cat: /etc/os-release: No such file", &r), -1);
	assert_int_equal(os_status("", &r), CHECK_FAILED);
	assert_int_equal(os_status("ID=ubuntu\n", &r), CHECK_FAILED); /* no VERSION_ID */

	/* The 20.04 warning says why and how to fix it. */
	struct check_list cl = {0};
	ubuntu_parse_os_release(os_2004, &r);
	ubuntu_check_os(&r, true, &cl);
	assert_non_null(strstr(cl.items[0].reason, "20.04"));
	assert_non_null(strstr(cl.items[0].hint, "do-release-upgrade"));
	check_list_clear(&cl);
}

/* ---- memory and CPUs ------------------------------------------------------------- */

/* An m6i.2xlarge-like host: "32 GiB" of which the kernel keeps some. */
static const char meminfo_32[] = "MemTotal:       32386528 kB\n"
				 "MemFree:        30185756 kB\n"
				 "MemAvailable:   31448144 kB\n"
				 "Buffers:           52792 kB\n"
				 "Cached:          1473448 kB\n"
				 "SwapCached:            0 kB\n"
				 "HugePages_Total:       0\n"
				 "Hugepagesize:       2048 kB\n";

static const char meminfo_16_busy[] = "MemTotal:       16303452 kB\nMemFree:  812344 kB\n"
				      "MemAvailable:    5242880 kB\n";

/* A kernel before 3.14 has no MemAvailable. */
static const char meminfo_old[] = "MemTotal:       65939000 kB\nMemFree:         4000000 kB\n"
				  "Buffers:          200000 kB\nCached:          5000000 kB\n";

static void test_meminfo(void **state)
{
	(void)state;
	struct meminfo m;
	struct check_list cl = {0};

	assert_int_equal(ubuntu_parse_meminfo(meminfo_32, &m), 0);
	assert_int_equal(m.total_kb, 32386528);
	assert_int_equal(m.available_kb, 31448144);
	ubuntu_check_memory(&m, true, &cl);
	assert_int_equal(only(&cl, "ubuntu.memory")->status, CHECK_OK);
	assert_non_null(strstr(only(&cl, "ubuntu.memory")->reason, "30.9 GB"));
	assert_int_equal(only(&cl, "ubuntu.memory_free")->status, CHECK_OK);
	check_list_clear(&cl);

	assert_int_equal(ubuntu_parse_meminfo(meminfo_16_busy, &m), 0);
	ubuntu_check_memory(&m, true, &cl);
	assert_int_equal(only(&cl, "ubuntu.memory")->status, CHECK_FAILED);
	assert_non_null(strstr(only(&cl, "ubuntu.memory")->reason, "32 GB"));
	assert_int_equal(only(&cl, "ubuntu.memory_free")->status, CHECK_WARNING);
	assert_non_null(strstr(only(&cl, "ubuntu.memory_free")->reason, "5.0 GB"));
	check_list_clear(&cl);

	assert_int_equal(ubuntu_parse_meminfo(meminfo_old, &m), 0);
	assert_int_equal(m.available_kb, 9200000);
	ubuntu_check_memory(&m, true, &cl);
	assert_int_equal(only(&cl, "ubuntu.memory")->status, CHECK_OK);
	assert_int_equal(only(&cl, "ubuntu.memory_free")->status, CHECK_OK);
	check_list_clear(&cl);

	/* Just below 94 % of 32 GiB fails; a 30 GiB machine is not 32 GB. */
	assert_int_equal(ubuntu_parse_meminfo("MemTotal: 31500000 kB\n", &m), 0);
	assert_int_equal(m.available_kb, -1);
	ubuntu_check_memory(&m, true, &cl);
	assert_int_equal(only(&cl, "ubuntu.memory")->status, CHECK_FAILED);
	assert_int_equal(only(&cl, "ubuntu.memory_free")->status, CHECK_WARNING);
	check_list_clear(&cl);

	assert_int_equal(ubuntu_parse_meminfo("garbage\n", &m), -1);
	ubuntu_check_memory(&m, false, &cl);
	assert_int_equal(only(&cl, "ubuntu.memory")->status, CHECK_FAILED);
	check_list_clear(&cl);
}

static const char cpuinfo_2[] =
	"processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) "
	"Platinum 8375C CPU @ 2.90GHz\nflags\t\t: fpu vme processor_trace\n\n"
	"processor\t: 1\nvendor_id\t: GenuineIntel\n\n";

static void test_cpus(void **state)
{
	(void)state;
	assert_int_equal(ubuntu_parse_nproc("8\n"), 8);
	assert_int_equal(ubuntu_parse_nproc("  64 \r\n"), 64);
	assert_int_equal(ubuntu_parse_nproc(""), -1);
	assert_int_equal(ubuntu_parse_nproc("0\n"), -1);
	assert_int_equal(ubuntu_parse_nproc("nproc: command not found\n"), -1);
	assert_int_equal(ubuntu_parse_nproc("8 9\n"), -1);
	assert_int_equal(ubuntu_parse_cpuinfo(cpuinfo_2), 2);
	assert_int_equal(ubuntu_parse_cpuinfo("vendor_id: x\n"), -1);

	struct check_list cl = {0};
	ubuntu_check_cpus(8, &cl);
	ubuntu_check_cpus(4, &cl);
	ubuntu_check_cpus(-1, &cl);
	assert_int_equal(cl.n, 3);
	assert_int_equal(cl.items[0].status, CHECK_OK);
	assert_int_equal(cl.items[1].status, CHECK_FAILED);
	assert_non_null(strstr(cl.items[1].reason, "4 CPUs"));
	assert_non_null(strstr(cl.items[1].hint, "8 CPUs"));
	assert_int_equal(cl.items[2].status, CHECK_FAILED);
	check_list_clear(&cl);
}

/* ---- disks ----------------------------------------------------------------------------- */

static const char df_data[] =
	"Filesystem         1-blocks       Used    Available Capacity Mounted on\n"
	"/dev/nvme1n1   107321753600 2189447168 105132306432       3% /opt/allegro/data\n";

static const char df_root[] =
	"Filesystem     1-blocks        Used   Available Capacity Mounted on\n"
	"/dev/root    520120602624 12845203456 507258622976       3% /\n";

static const char df_spaces[] =
	"Filesystem 1-blocks Used Available Capacity Mounted on\n"
	"my server:/export dir 2000000000000 1000 1999999999000 1% /mnt/big disk/data \n";

static const char df_de[] =
	"Dateisystem    1B-Bl\xc3\xb6"
	"cke     Benutzt  Verf\xc3\xbcgbar Kapazit\xc3\xa4t Eingeh\xc3\xa4ngt auf\n"
	"/dev/sdb1   85899345920  1048576 85898297344        1% /var/lib/docker\n";

static void test_df(void **state)
{
	(void)state;
	struct df_entry e;
	struct check_list cl = {0};

	assert_int_equal(ubuntu_parse_df(df_data, &e), 0);
	assert_string_equal(e.filesystem, "/dev/nvme1n1");
	assert_string_equal(e.mount_point, "/opt/allegro/data");
	assert_true(e.size_bytes == 107321753600ULL);
	assert_true(e.used_bytes == 2189447168ULL);
	assert_true(e.avail_bytes == 105132306432ULL);
	assert_true(ubuntu_df_own_mount(&e, "/opt/allegro/data"));
	assert_true(ubuntu_df_own_mount(&e, "/opt/allegro/data/"));
	assert_false(ubuntu_df_own_mount(&e, "/opt/allegro/data/fileserver"));
	assert_false(ubuntu_df_own_mount(&e, "/opt/allegro/dat"));
	ubuntu_check_disk(UBUNTU_DISK_DATA, "/opt/allegro/data", &e, true, 100, &cl);
	assert_int_equal(only(&cl, "ubuntu.disk.data")->status, CHECK_OK);
	check_list_clear(&cl);

	/* The fileserver directory, still on the data disk: a warning. */
	ubuntu_check_disk(UBUNTU_DISK_FILESERVER, "/opt/allegro/data/fileserver", &e, true, 100,
			  &cl);
	const struct check_result *r = only(&cl, "ubuntu.disk.fileserver");
	assert_int_equal(r->status, CHECK_WARNING);
	assert_non_null(strstr(r->reason, "/opt/allegro/data"));
	check_list_clear(&cl);

	/* A large root filesystem: the data directory is not its own mount. */
	assert_int_equal(ubuntu_parse_df(df_root, &e), 0);
	assert_string_equal(e.mount_point, "/");
	assert_true(ubuntu_df_own_mount(&e, "/"));
	ubuntu_check_disk(UBUNTU_DISK_DATA, "/opt/allegro/data", &e, true, 100, &cl);
	assert_int_equal(only(&cl, "ubuntu.disk.data")->status, CHECK_WARNING);
	ubuntu_check_disk(UBUNTU_DISK_ROOT, "/", &e, true, 30, &cl);
	assert_int_equal(only(&cl, "ubuntu.disk.root")->status, CHECK_OK);
	check_list_clear(&cl);

	/* Spaces in the device and the mount point. */
	assert_int_equal(ubuntu_parse_df(df_spaces, &e), 0);
	assert_string_equal(e.filesystem, "my server:/export dir");
	assert_string_equal(e.mount_point, "/mnt/big disk/data");
	assert_true(e.size_bytes == 2000000000000ULL);

	/* A header in another language; an 80 GB docker disk of 80 GiB. */
	assert_int_equal(ubuntu_parse_df(df_de, &e), 0);
	assert_string_equal(e.mount_point, "/var/lib/docker");
	ubuntu_check_disk(UBUNTU_DISK_DOCKER, "/var/lib/docker", &e, true, 80, &cl);
	assert_int_equal(only(&cl, "ubuntu.disk.docker")->status, CHECK_OK);
	check_list_clear(&cl);
	/* Too small on its own disk. */
	ubuntu_check_disk(UBUNTU_DISK_DOCKER, "/var/lib/docker", &e, true, 200, &cl);
	r = only(&cl, "ubuntu.disk.docker");
	assert_int_equal(r->status, CHECK_WARNING);
	assert_non_null(strstr(r->reason, "200 GB"));
	check_list_clear(&cl);

	/* Errors. */
	assert_int_equal(ubuntu_parse_df("df: /opt/allegro/data: No such file or directory\n", &e),
			 -1);
	assert_int_equal(ubuntu_parse_df("", &e), -1);
	assert_int_equal(
		ubuntu_parse_df("Filesystem 1-blocks Used Available Capacity Mounted on\n", &e),
		-1);
	ubuntu_check_disk(UBUNTU_DISK_DATA, "/opt/allegro/data", &e, false, 100, &cl);
	assert_int_equal(only(&cl, "ubuntu.disk.data")->status, CHECK_FAILED);
	check_list_clear(&cl);
}

static void test_stat_mode(void **state)
{
	(void)state;
	assert_int_equal(ubuntu_parse_stat_mode("710\n"), 0710);
	assert_int_equal(ubuntu_parse_stat_mode("0755"), 0755);
	assert_int_equal(ubuntu_parse_stat_mode("700"), 0700);
	assert_int_equal(ubuntu_parse_stat_mode("stat: cannot statx '/var/lib/docker': No such "
						"file or directory\n"),
			 -1);
	assert_int_equal(ubuntu_parse_stat_mode("789"), -1);
	assert_int_equal(ubuntu_parse_stat_mode(""), -1);

	struct check_list cl = {0};
	ubuntu_check_docker_dir_mode("/var/lib/docker", 0710, &cl);
	ubuntu_check_docker_dir_mode("/var/lib/docker", 0755, &cl);
	ubuntu_check_docker_dir_mode("/var/lib/docker", 0700, &cl);
	ubuntu_check_docker_dir_mode("/var/lib/docker", -1, &cl);
	assert_int_equal(cl.items[0].status, CHECK_OK);
	assert_int_equal(cl.items[1].status, CHECK_FAILED);
	assert_string_equal(cl.items[1].hint, "sudo chmod 710 /var/lib/docker");
	assert_non_null(strstr(cl.items[1].reason, "755"));
	assert_int_equal(cl.items[2].status, CHECK_WARNING);
	assert_int_equal(cl.items[3].status, CHECK_WARNING);
	check_list_clear(&cl);
}

/* ---- ports ------------------------------------------------------------------------------- */

static const char ss_busy[] = "LISTEN 0      4096         0.0.0.0:8080       0.0.0.0:*          \n"
			      "LISTEN 0      4096            [::]:8080          [::]:*          \n"
			      "LISTEN 0      4096   127.0.0.53%lo:53         0.0.0.0:*          \n"
			      "LISTEN 0      128          0.0.0.0:22         0.0.0.0:*          \n"
			      "LISTEN 0      511                *:8081             *:*          \n"
			      "LISTEN 0      128             [::]:22            [::]:*          \n";

static const char ss_header_process[] =
	"State  Recv-Q Send-Q Local Address:Port  Peer Address:PortProcess\n"
	"LISTEN 0      4096       127.0.0.1:8008       0.0.0.0:*    "
	"users:((\"python3\",pid=4242,fd=3))\n"
	"LISTEN 0      4096   [::ffff:127.0.0.1]:9000  *:*\n"
	"LISTEN 0      4096   [fe80::1]%eth0:8443   [::]:*\n";

static const char ss_free[] = "LISTEN 0 128 0.0.0.0:22 0.0.0.0:*\n"
			      "LISTEN 0 4096 127.0.0.1:18080 0.0.0.0:*\n"
			      "LISTEN 0 4096 [::1]:80800 [::]:*\n"; /* not a port, 5 digits: kept */

static void test_ss(void **state)
{
	(void)state;
	struct listeners l;
	struct check_list cl = {0};

	assert_int_equal(ubuntu_parse_ss(ss_busy, &l), 0);
	assert_int_equal(l.n, 6);
	assert_string_equal(l.v[0].addr, "0.0.0.0");
	assert_int_equal(l.v[0].port, 8080);
	assert_string_equal(l.v[1].addr, "[::]");
	assert_string_equal(l.v[2].addr, "127.0.0.53%lo");
	assert_int_equal(l.v[2].port, 53);
	assert_string_equal(l.v[4].addr, "*");
	assert_int_equal(l.v[4].port, 8081);
	assert_non_null(ubuntu_listener_on(&l, 8080));
	assert_null(ubuntu_listener_on(&l, 8008));
	ubuntu_check_ports(&l, true, false, &cl);
	const struct check_result *r = only(&cl, "ubuntu.ports");
	assert_int_equal(r->status, CHECK_FAILED);
	assert_non_null(strstr(r->reason, "8080 (0.0.0.0:8080)"));
	assert_non_null(strstr(r->reason, "8081 (*:8081)"));
	assert_null(strstr(r->reason, "8008"));
	assert_non_null(strstr(r->hint, "sport = :8080"));
	check_list_clear(&cl);
	/* The same ports held by the installation being upgraded. */
	ubuntu_check_ports(&l, true, true, &cl);
	assert_int_equal(only(&cl, "ubuntu.ports")->status, CHECK_WARNING);
	check_list_clear(&cl);
	ubuntu_listeners_free(&l);

	assert_int_equal(ubuntu_parse_ss(ss_header_process, &l), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0].addr, "127.0.0.1");
	assert_int_equal(l.v[0].port, 8008);
	assert_string_equal(l.v[1].addr, "[::ffff:127.0.0.1]");
	assert_string_equal(l.v[2].addr, "[fe80::1]%eth0");
	assert_int_equal(l.v[2].port, 8443);
	ubuntu_check_ports(&l, true, false, &cl);
	assert_int_equal(only(&cl, "ubuntu.ports")->status, CHECK_FAILED); /* 127.0.0.1:8008 */
	check_list_clear(&cl);
	ubuntu_listeners_free(&l);

	assert_int_equal(ubuntu_parse_ss(ss_free, &l), 0);
	assert_int_equal(l.n, 3);
	ubuntu_check_ports(&l, true, false, &cl);
	assert_int_equal(only(&cl, "ubuntu.ports")->status, CHECK_OK);
	check_list_clear(&cl);
	ubuntu_listeners_free(&l);

	/* Nothing listens at all: valid, and free. */
	assert_int_equal(ubuntu_parse_ss("", &l), 0);
	assert_int_equal(l.n, 0);
	ubuntu_listeners_free(&l);

	assert_int_equal(ubuntu_parse_ss("bash: line 1: ss: command not found\n", &l), -1);
	assert_int_equal(l.n, 0);
	ubuntu_check_ports(&l, false, false, &cl);
	assert_int_equal(only(&cl, "ubuntu.ports")->status, CHECK_FAILED);
	check_list_clear(&cl);
}

/* ---- docker --------------------------------------------------------------------------------- */

static void test_docker_versions(void **state)
{
	(void)state;
	struct docker_version v;
	struct check_list cl = {0};

	assert_int_equal(ubuntu_parse_docker_version("26.1.3\n", &v), 0);
	assert_int_equal(v.state, DOCKER_OK);
	assert_int_equal(v.major, 26);
	assert_int_equal(v.minor, 1);
	assert_int_equal(v.patch, 3);
	assert_string_equal(v.text, "26.1.3");
	ubuntu_check_docker(&v, &cl);
	assert_int_equal(only(&cl, "ubuntu.docker")->status, CHECK_OK);
	check_list_clear(&cl);

	/* Ubuntu's docker.io package. */
	assert_int_equal(ubuntu_parse_docker_version("24.0.7\n", &v), 0);
	assert_int_equal(v.major, 24);

	assert_int_equal(ubuntu_parse_docker_version("19.03.13\n", &v), 0);
	ubuntu_check_docker(&v, &cl);
	assert_int_equal(only(&cl, "ubuntu.docker")->status, CHECK_WARNING);
	check_list_clear(&cl);

	struct {
		const char *text;
		enum docker_state st;
		const char *hint_has;
	} errs[] = {
		{"Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the "
		 "docker daemon running?\n",
		 DOCKER_NOT_RUNNING, "systemctl"},
		{"permission denied while trying to connect to the Docker daemon socket at "
		 "unix:///var/run/docker.sock: Get \"http://%2Fvar%2Frun%2Fdocker.sock/v1.24/"
		 "version\": dial unix /var/run/docker.sock: connect: permission denied\n",
		 DOCKER_NO_PERMISSION, "docker group"},
		{"bash: line 1: docker: command not found\n", DOCKER_MISSING, "docs.docker.com"},
		{"sh: 1: docker: not found\n", DOCKER_MISSING, "docs.docker.com"},
		{"template: :1:8: executing \"\" at <.Server.Version>: nil pointer\n",
		 DOCKER_UNKNOWN, "docker version"},
	};
	for (size_t i = 0; i < LF_ARRAY_LEN(errs); i++) {
		ubuntu_parse_docker_version(errs[i].text, &v);
		assert_int_equal(v.state, errs[i].st);
		ubuntu_check_docker(&v, &cl);
		const struct check_result *r = only(&cl, "ubuntu.docker");
		assert_int_equal(r->status, CHECK_FAILED);
		assert_non_null(strstr(r->hint, errs[i].hint_has));
		check_list_clear(&cl);
	}
}

static void test_compose_versions(void **state)
{
	(void)state;
	struct docker_version v;
	struct check_list cl = {0};
	struct {
		const char *text, *version;
		int major;
		enum check_status st;
	} cases[] = {
		{"Docker Compose version v2.27.0\n", "2.27.0", 2, CHECK_OK},
		{"2.29.7\n", "2.29.7", 2, CHECK_OK},
		{"Docker Compose version 2.20.2+ds1-0ubuntu1~22.04.1\n",
		 "2.20.2+ds1-0ubuntu1~22.04.1", 2, CHECK_OK},
		{"docker-compose version 1.29.2, build 5becea4c\n", "1.29.2", 1, CHECK_FAILED},
	};
	for (size_t i = 0; i < LF_ARRAY_LEN(cases); i++) {
		assert_int_equal(ubuntu_parse_compose_version(cases[i].text, &v), 0);
		assert_string_equal(v.text, cases[i].version);
		assert_int_equal(v.major, cases[i].major);
		ubuntu_check_compose(&v, &cl);
		assert_int_equal(only(&cl, "ubuntu.compose")->status, cases[i].st);
		check_list_clear(&cl);
	}

	/* The plugin is missing: docker prints its usage error. */
	ubuntu_parse_compose_version("docker: 'compose' is not a docker command.\n"
				     "See 'docker --help'\n",
				     &v);
	assert_int_equal(v.state, DOCKER_MISSING);
	ubuntu_check_compose(&v, &cl);
	const struct check_result *r = only(&cl, "ubuntu.compose");
	assert_int_equal(r->status, CHECK_FAILED);
	assert_non_null(strstr(r->hint, "docker-compose-plugin"));
	check_list_clear(&cl);

	assert_int_equal(ubuntu_parse_compose_version("something else entirely\n", &v), -1);
	assert_int_equal(v.state, DOCKER_UNKNOWN);
	ubuntu_check_compose(&v, &cl);
	assert_int_equal(only(&cl, "ubuntu.compose")->status, CHECK_FAILED);
	assert_non_null(strstr(only(&cl, "ubuntu.compose")->reason, "something else"));
	check_list_clear(&cl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_os_release),
		cmocka_unit_test(test_meminfo),
		cmocka_unit_test(test_cpus),
		cmocka_unit_test(test_df),
		cmocka_unit_test(test_stat_mode),
		cmocka_unit_test(test_ss),
		cmocka_unit_test(test_docker_versions),
		cmocka_unit_test(test_compose_versions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
