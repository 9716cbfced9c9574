EVAL "return redis.error_reply('MYERR top level')" 0
