EVAL "return {1, redis.error_reply('MYERR inner')}" 0
