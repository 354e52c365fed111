/* Work in progress: the actions below have no operations yet; apply stops
 * at the first of them (exit 4, resumable). */
#include "aws_internal.h"

const struct action_ops aws_target_group_ops = {0};
const struct action_ops aws_certificate_ops = {0};
const struct action_ops aws_load_balancer_ops = {0};
const struct action_ops aws_listeners_ops = {0};
const struct action_ops aws_dns_records_ops = {0};
