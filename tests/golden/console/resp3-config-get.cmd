CONFIG GET maxmemory*
