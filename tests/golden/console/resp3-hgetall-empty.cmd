HGETALL missing
