COMMAND INFO set lpush
