LRANGE nolist 0 -1
