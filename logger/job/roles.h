/* roles.h: file roles the job declared through the API (trainprov_file_set_role),
 * looked up by the worker when a file is closed. Declaring locks briefly,
 * never across I/O; looking up takes no lock. */
#ifndef TP_ROLES_H
#define TP_ROLES_H
#include "logger/classify.h"

int tp_roles_declare(const char *abs_path, enum tp_role role);
enum tp_role tp_roles_lookup(const char *abs_path);
void tp_roles_lock(void);
void tp_roles_unlock(void);

#endif
