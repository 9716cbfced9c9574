EVAL "return {set={}}" 0
