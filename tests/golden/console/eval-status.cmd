EVAL "return redis.status_reply('FINE')" 0
