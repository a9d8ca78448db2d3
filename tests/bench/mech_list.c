// SPDX-License-Identifier: MIT
/*
 * Prints the mechanism table (user/shared/mech.c) as JSON, for the Python
 * checks: a list of {"name", "label", "traced", "classic", "baseline"}.
 */
#include <json-c/json.h>
#include <stdio.h>

#include "mech.h"

int main(void)
{
	struct json_object *a = json_object_new_array();

	for (int m = 0; m < MECH_COUNT; m++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "name", json_object_new_string(mech_table[m].name));
		json_object_object_add(o, "label", json_object_new_string(mech_table[m].label));
		json_object_object_add(o, "traced", json_object_new_boolean(mech_traced(m) && !mech_table[m].traced_only));
		json_object_object_add(o, "classic", json_object_new_boolean(mech_table[m].classic));
		json_object_object_add(o, "baseline", json_object_new_boolean(mech_table[m].baseline));
		json_object_array_add(a, o);
	}
	if (puts(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PRETTY)) == EOF)
		return 1;
	json_object_put(a);
	return fflush(stdout) ? 1 : 0;
}
