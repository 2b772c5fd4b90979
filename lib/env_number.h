/*
 * A number from the environment, for the limits an operator may set
 * (MSB_AUDIT_LOG_MAX, MSB_MEMORY_OVERHEAD_MIB, ...): unset or empty gives
 * the default; a value that is not a decimal number within [min, max]
 * gives the default too, and says so.
 */
#ifndef MSB_ENV_NUMBER_H
#define MSB_ENV_NUMBER_H

unsigned long long msb_env_number(const char *var, unsigned long long dflt,
    unsigned long long min, unsigned long long max);

#endif
