/* Observers of the event stream for headless runs: the line printer (a
 * person reading a terminal or a CI log), JSON lines (automation), and
 * the log file in the state directory (support). */
#ifndef LANDFALL_OBSERVERS_H
#define LANDFALL_OBSERVERS_H

#include <stdio.h>

#include "events.h"

/* Human lines: "[ 3/17] Create the VPC: done". `out` is borrowed. */
void observer_lines(const struct event *ev, void *out);
/* One JSON object per line: {"event": "started", "action": "vpc", ...}. */
void observer_json(const struct event *ev, void *out);

/* The log file: every event, timestamped, appended to `path` (0600).
 * Returns NULL + *cause when the file cannot be opened. */
struct log_file;
struct log_file *log_file_open(const char *path, char **cause);
void log_file_close(struct log_file *lf);
void observer_log_file(const struct event *ev, void *log_file);

#endif
