CONFIG GET maxmemory-policy
