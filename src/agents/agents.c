/* agents: the registry of agent types, in a fixed order (docs and help list them so). */
#include <string.h>

#include "cascade/agent.h"

#define TYPE_ADDRESS(name) &cas_agent_##name,
static const struct cas_agent_type *const types[] = {CAS_AGENT_TYPES(TYPE_ADDRESS)};

const struct cas_agent_type *const *cas_agent_types(size_t *n)
{
    *n = sizeof types / sizeof *types;
    return types;
}

const struct cas_agent_type *cas_agent_type_find(const char *name)
{
    for (size_t i = 0; i < sizeof types / sizeof *types; i++)
        if (strcmp(types[i]->name, name) == 0)
            return types[i];
    return NULL;
}
