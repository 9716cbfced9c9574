GET k
