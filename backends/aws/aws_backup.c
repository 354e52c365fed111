/* Work in progress: the actions below have no operations yet; apply stops
 * at the first of them (exit 4, resumable). */
#include "aws_internal.h"

const struct action_ops aws_backup_vault_ops = {0};
const struct action_ops aws_backup_plan_ops = {0};
