/* agents: the registry of agent types, in a fixed order (docs and help list them so). */
#include <string.h>

#include "cascade/agent.h"

static const struct cas_agent_type *const types[] = {
    &cas_agent_noise,       &cas_agent_fundamental,   &cas_agent_market_maker,
    &cas_agent_leveraged,   &cas_agent_option_dealer, &cas_agent_front_runner,
    &cas_agent_liquidator,  &cas_agent_basis_arb,
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
