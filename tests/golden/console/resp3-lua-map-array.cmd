EVAL "return {map={k={1,2}}}" 0
