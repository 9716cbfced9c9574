SMEMBERS missing
