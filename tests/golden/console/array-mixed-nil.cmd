MGET a b c
