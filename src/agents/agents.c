/* agents: the registry of agent types, in a fixed order (docs and help list them so). */
#include <string.h>

#include "cascade/agent.h"

static const struct cas_agent_type *const types[] = {
    &cas_agent_noise,
};

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
