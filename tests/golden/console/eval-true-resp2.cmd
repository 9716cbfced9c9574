EVAL "return true" 0
