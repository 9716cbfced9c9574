EVAL "return {map={k={}}}" 0
