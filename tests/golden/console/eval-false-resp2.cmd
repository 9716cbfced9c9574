EVAL "return false" 0
