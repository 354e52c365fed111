/* A real sshd for the wizard's host-key test (tests/e2e/wizard_hostkey.sh):
 * the sshd fixture (tests/sshd_fixture.h) set up and started, its facts
 * written as shell assignments to the file named by argv[1], then commands
 * read from stdin, one per line:
 *   newkey   a new host key, sshd restarted on the same port; the file is
 *            rewritten with the new fingerprint
 * End of input stops sshd and removes the users and the directory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sshd_fixture.h"
#include "../backends/util.h"

static int write_facts(const struct sshd_fixture *f, const char *path)
{
	char *fp = sshd_fixture_fingerprint(f);
	char *text = lf_asprintf("PEER_PORT=%d\nPEER_USER=%s\nPEER_KEY=%s\nPEER_HOME=%s\n"
				 "PEER_FP=%s\n",
				 f->port, f->nopw_user, f->client_key, f->home, fp ? fp : "");
	char *cause = NULL;
	int rc = lf_write_file_atomic(path, text, strlen(text), 0600, &cause);
	if (rc)
		fprintf(stderr, "sshd_peer: %s\n", cause);
	free(cause);
	free(text);
	free(fp);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: sshd_peer FACTS_FILE < commands\n");
		return 2;
	}
	struct sshd_fixture f = {0};
	char *cause = NULL;
	if (sshd_fixture_setup(&f, &cause) || sshd_fixture_start(&f, false, &cause) ||
	    write_facts(&f, argv[1])) {
		fprintf(stderr, "sshd_peer: %s\n", cause ? cause : "could not start");
		sshd_fixture_teardown(&f);
		return 1;
	}
	char line[64];
	while (fgets(line, sizeof line, stdin)) {
		if (strncmp(line, "newkey", 6) == 0) {
			if (sshd_fixture_new_host_key(&f, &cause) || write_facts(&f, argv[1])) {
				fprintf(stderr, "sshd_peer: %s\n", cause ? cause : "newkey failed");
				free(cause);
				cause = NULL;
			}
		}
	}
	sshd_fixture_teardown(&f);
	return 0;
}
