/* ClearML Server settings: base directory, fixed users, registry. */
#include "answers.h"
#include "i18n.h"

static const char *default_base_dir(const struct answers *a)
{
	const char *e = answers_str(a, "install.edition");
	if (!e)
		e = schema_default(schema_find("install.edition"), a);
	return e && e[0] == 'o' ? "/opt/clearml" : "/opt/allegro";
}

static const struct field user_fields[] = {
	{ .path = "username", .type = FT_STRING, .targets = TGT_ALL,
	  .flags = FF_REQUIRED, .check = v_user_name,
	  .label = N_("User name"), .help = N_("Login name of the fixed user, e.g. support.") },
	{ .path = "name", .type = FT_STRING, .targets = TGT_ALL,
	  .label = N_("Full name"), .help = N_("Shown in the web application, e.g. Support User.") },
	{ .path = "password", .type = FT_SECRET, .targets = TGT_ALL,
	  .flags = FF_REQUIRED,
	  .label = N_("Password"), .help = N_("The user's password, as {env: NAME} or {file: PATH}, or typed in the wizard. Written only to the server's apiserver.conf (mode 0600).") },
	{ .path = "admin", .type = FT_BOOL, .targets = TGT_ALL, .def = "false",
	  .label = N_("Administrator"), .help = N_("Whether the user is an administrator.") },
};

static const struct field fields[] = {
	{ .path = "server.base_dir", .type = FT_STRING, .targets = TGT_ALL,
	  .check = v_abs_path, .def_fn = default_base_dir,
	  .label = N_("Base directory"),
	  .help = N_("Where the server keeps its data, logs and configuration: /opt/allegro for Enterprise (the guides), /opt/clearml for the open-source server.") },
	{ .path = "server.admin_users", .type = FT_OBJLIST, .targets = TGT_ALL,
	  .flags = FF_REQUIRED, .min = 1, .max = 50,
	  .items = user_fields, .nitems = LF_ARRAY_LEN(user_fields),
	  .label = N_("Fixed users"),
	  .help = N_("The users written to apiserver.conf (auth.fixed_users), at least one, e.g. the guide's support user with admin: true.") },
	{ .path = "server.registry.server", .type = FT_STRING, .targets = TGT_ALL,
	  .check = v_host, .def = "docker.io", .flags = FF_ADVANCED,
	  .label = N_("Image registry"), .help = N_("The registry of the ClearML images (Docker Hub for Enterprise).") },
	{ .path = "server.registry.username", .type = FT_STRING, .targets = TGT_ALL,
	  .label = N_("Registry user"),
	  .help = N_("The Docker Hub user provided by ClearML to pull the Enterprise images. Empty: no login (public images).") },
	{ .path = "server.registry.password", .type = FT_SECRET, .targets = TGT_ALL,
	  .flags = FF_REQUIRED, .when = "server.registry.username!=",
	  .label = N_("Registry password"),
	  .help = N_("The registry password or token, as {env: NAME} or {file: PATH}, or typed in the wizard. It reaches docker login on standard input (--password-stdin), never a command line.") },
};

const struct step step_server = {
	.id = "server", .title = N_("Server settings"), .targets = TGT_ALL,
	.intro = N_("The server's users and where its images come from."),
	.fields = fields, .nfields = LF_ARRAY_LEN(fields),
};
