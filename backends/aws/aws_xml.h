/* Reading AWS XML answers with libxml2, by element path.
 *
 * AWS answers carry a default namespace that changes with the API version
 * (xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"); these helpers match
 * local names only, so a path reads the same whatever the namespace.
 *
 * A path is a list of element names separated by '/', relative to the
 * children of the node it is applied to: under the root element of a
 * DescribeVpcsResponse, "vpcSet/item/vpcId" names every VPC id. "*"
 * matches any element. The empty path names the node itself.
 *
 * Lookups backtrack: the first match of "reservationSet/item/instancesSet/
 * item/instanceId" is found even when the first reservation is empty. */
#ifndef LANDFALL_AWS_XML_H
#define LANDFALL_AWS_XML_H

#include <stdbool.h>
#include <stddef.h>

#include <libxml/tree.h>

/* Parse an answer. Never reads the network or expands external entities.
 * Returns a document to release with xmlFreeDoc(), or NULL with *cause
 * set (the parser's first error, with its line). */
xmlDoc *aws_xml_parse(const char *buf, size_t len, char **cause);

/* The root element, or NULL for NULL or an empty document. */
xmlNode *aws_xml_root(const xmlDoc *doc);

/* The first element at `path` under `from`, in document order, or NULL. */
xmlNode *aws_xml_node(const xmlNode *from, const char *path);

/* The text of the first element at `path` (all its text, trimmed of
 * surrounding white space), caller-freed; NULL when there is no such
 * element. An element that exists but is empty gives "". */
char *aws_xml_text(const xmlNode *from, const char *path);

/* aws_xml_text() that returns `fallback` (copied) instead of NULL. */
char *aws_xml_text_or(const xmlNode *from, const char *path, const char *fallback);

/* True when the text at `path` is "true" (AWS booleans). */
bool aws_xml_bool(const xmlNode *from, const char *path);

/* Every element at `path`, in document order. *out gets a caller-freed
 * array (the nodes belong to the document); returns the count, 0 with
 * *out NULL when nothing matches. */
size_t aws_xml_nodes(const xmlNode *from, const char *path, xmlNode ***out);

/* Call fn for every element at `path` in document order, until fn
 * returns non-zero; returns that value, or 0 when every call returned 0. */
int aws_xml_each(const xmlNode *from, const char *path, int (*fn)(xmlNode *node, void *user),
		 void *user);

/* The first descendant (depth first, `from` excluded) named `name`, at
 * any depth; NULL when there is none. For values whose place differs
 * between services, such as error codes and pagination tokens. */
xmlNode *aws_xml_find(const xmlNode *from, const char *name);

/* Text of aws_xml_find(), caller-freed, or NULL. */
char *aws_xml_find_text(const xmlNode *from, const char *name);

/* `s` escaped for XML text or attribute values (& < > " '), caller-freed.
 * For the bodies of REST-XML requests (Route53, S3). */
char *aws_xml_escape(const char *s);

#endif
