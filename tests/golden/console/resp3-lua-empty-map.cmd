EVAL "return {map={}}" 0
