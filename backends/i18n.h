/* Translation macros shared by every layer.
 *
 * _() translates at the point of use; N_() marks a string for xgettext in a
 * static table and the reader calls _() on it when it is shown. Backends use
 * them too: action titles and check messages reach the user. */
#ifndef LANDFALL_I18N_H
#define LANDFALL_I18N_H

#include <libintl.h>

#define _(s) gettext(s)
#define N_(s) (s)

#endif
