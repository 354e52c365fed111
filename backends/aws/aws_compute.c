/* Work in progress: the actions below have no operations yet; apply stops
 * at the first of them (exit 4, resumable). */
#include "aws_internal.h"

const struct action_ops aws_bucket_ops = {0};
const struct action_ops aws_iam_role_ops = {0};
const struct action_ops aws_instance_profile_ops = {0};
const struct action_ops aws_instance_ops = {0};
