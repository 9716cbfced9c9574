EVAL "return {map={k={1}}}" 0
