EVAL "return {double=3.14}" 0
