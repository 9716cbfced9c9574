INCR counter
